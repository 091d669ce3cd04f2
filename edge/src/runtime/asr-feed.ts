// What the ASR hears of a call: audio that arrives before its session is open is kept (3 s) so the first words are
// not lost; streaming engines then hear everything, batch engines only speech plus 300 ms before its onset, so a
// decode never wades through silence. Counts the audio seconds sent (the usage the provider bills), per engine: the
// one serving when each frame went. After a failover the new engine hears the kept audio again; that replay is not
// counted again, and audio sent while no engine served counts to the one that was lost.
import type { AsrSession } from '../providers/types.ts';

const MAX_EARLY_FRAMES = 150;
const BATCH_PREROLL_FRAMES = 15;

export class AsrFeed {
  #session: AsrSession | null = null;
  #early: Uint8Array[] | null = [];
  #preroll: Uint8Array[] = [];
  #sentBytes = 0;
  readonly #bytesByEngine = new Map<string, number>();
  /** Early audio dropped (bytes) because the session took longer than 3 s to open. */
  droppedEarlyBytes = 0;

  /** `engine`: the engine serving the session now (its failover wrapper's current one). */
  constructor(private readonly bytesPerSecond: number, private readonly engine: () => string = () => '') {}

  get session(): AsrSession | null {
    return this.#session;
  }

  get audioSeconds(): number {
    return this.#sentBytes / this.bytesPerSecond;
  }

  /** Audio seconds sent to each engine. */
  get secondsByEngine(): [string, number][] {
    return [...this.#bytesByEngine].map(([engine, bytes]) => [engine, bytes / this.bytesPerSecond]);
  }

  /** The session is open: it first hears what the caller said while it connected. */
  attach(session: AsrSession): void {
    this.#session = session;
    for (const payload of this.#early ?? []) this.#send(session, payload, true);
    this.#early = null;
  }

  /** No ASR for this call: stop keeping audio for it. */
  abandon(): void {
    this.#early = null;
  }

  push(payload: Uint8Array, speech: boolean): void {
    if (this.#session) this.#send(this.#session, payload, speech);
    else if (this.#early && this.#early.length < MAX_EARLY_FRAMES) this.#early.push(payload.slice());
    else if (this.#early) this.droppedEarlyBytes += payload.length;
  }

  /** Hands the session over for closing; nothing more is sent. */
  detach(): AsrSession | null {
    const session = this.#session;
    this.#session = null;
    this.#early = null;
    this.#preroll.length = 0;
    return session;
  }

  #send(session: AsrSession, payload: Uint8Array, speech: boolean): void {
    if (session.finalizesOnRequestOnly && !speech) {
      this.#preroll.push(payload.slice());
      if (this.#preroll.length > BATCH_PREROLL_FRAMES) this.#preroll.shift();
      return;
    }
    for (const frame of this.#preroll) this.#deliver(session, frame);
    this.#preroll.length = 0;
    this.#deliver(session, payload);
  }

  #deliver(session: AsrSession, payload: Uint8Array): void {
    session.push(payload);
    this.#sentBytes += payload.length;
    const engine = this.engine();
    this.#bytesByEngine.set(engine, (this.#bytesByEngine.get(engine) ?? 0) + payload.length);
  }
}
