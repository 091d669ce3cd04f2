// An ASR session that outlives its engine. Audio not yet finalized is kept (ReplayBuffer); when the engine is lost
// mid-call it is reconnected, or the next engine of the agent's chain takes over, and hears the kept audio first, so
// the caller's current words are not lost. A silent line gets keep-alives. Only when every engine is gone does the
// session close ('closed' with the reason), and the call decides what to do. Engines stay message translators.
import type { AsrEvents, AsrProvider, AsrSession, AudioFormat, SessionContext } from '../types.ts';
import type { EngineChain } from './engine-chain.ts';
import { FailoverSession, failoverProvider, type FailoverStage, type OpenedEngine } from './failover-session.ts';
import { ReplayBuffer } from './replay-buffer.ts';

export type FailoverAsrEvents = AsrEvents;

/** Without audio this long, the engine gets a keep-alive (Deepgram closes a socket after ~10 s of nothing). */
const KEEPALIVE_MS = 4000;

const ASR_STAGE: FailoverStage = {
  service: 'speech recognition',
  engines: 'ASR',
  // On a silent line an engine has nothing to transcribe: staying up this long is serving.
  servedAfterMs: 1000,
};

export class FailoverAsrSession extends FailoverSession<AsrSession, FailoverAsrEvents, { format: AudioFormat; model?: string }> implements AsrSession {
  readonly #replay: ReplayBuffer;
  readonly #keepAlive: NodeJS.Timeout;
  /** Session seconds where the current engine's audio (its time 0) starts. */
  #offsetS = 0;
  #lastAudioMs = performance.now();
  #finalizeWhenBack = false;

  constructor(chain: EngineChain<AsrSession>, opened: OpenedEngine<AsrSession>, context: SessionContext, open: { format: AudioFormat; model?: string }) {
    super(chain, opened, context, open, ASR_STAGE);
    this.#replay = new ReplayBuffer(open.format.sampleRateHz * (open.format.encoding === 'linear16' ? 2 : 1));
    this.attach(opened.session);
    const keepAliveMs = chain.options.keepAliveMs ?? KEEPALIVE_MS;
    this.#keepAlive = setInterval(() => {
      if (performance.now() - this.#lastAudioMs >= keepAliveMs) this.current?.keepAlive?.();
    }, keepAliveMs / 2);
  }

  get finalizesOnRequestOnly(): boolean {
    return this.current?.finalizesOnRequestOnly ?? false;
  }

  get droppedBytes(): number {
    return this.#replay.droppedBytes;
  }

  push(audio: Uint8Array): void {
    if (this.isClosed) return;
    this.#lastAudioMs = performance.now();
    this.#replay.keep(audio);
    this.current?.push(audio);
  }

  finalize(): void {
    const session = this.current;
    if (session) session.finalize();
    else this.#finalizeWhenBack = true;
  }

  protected override onEnd(): void {
    clearInterval(this.#keepAlive);
  }

  protected override forward(session: AsrSession): void {
    session.on('transcript', (t) => {
      if (session !== this.current) return;
      this.markServed();
      const startS = t.startS === undefined ? undefined : this.#offsetS + t.startS;
      const endS = t.endS === undefined ? undefined : this.#offsetS + t.endS;
      // A final covers the audio up to its end; one without timing covers all the engine heard.
      if (t.isFinal && endS !== undefined) this.#replay.acknowledge(endS);
      else if (t.isFinal && t.text.trim()) this.#replay.acknowledgeAll();
      this.emit('transcript', { ...t, startS, endS });
    });
    session.on('speechStarted', (e) => { if (session === this.current) this.emit('speechStarted', { atS: this.#offsetS + e.atS }); });
    session.on('utteranceEnd', (e) => { if (session === this.current) this.emit('utteranceEnd', { lastWordEndS: this.#offsetS + e.lastWordEndS }); });
    session.on('turn', (info) => { if (session === this.current) this.emit('turn', { ...info, audioWindowEndS: this.#offsetS + info.audioWindowEndS }); });
  }

  protected override describeReplay(): string {
    return `replaying ${this.#replay.seconds.toFixed(1)} s of audio`;
  }

  /** The new engine's time 0 is the oldest kept audio, which it hears first. */
  protected override replayInto(session: AsrSession): void {
    this.#offsetS = this.#replay.startS;
    for (const audio of this.#replay.audio()) session.push(audio);
    if (this.#finalizeWhenBack) session.finalize();
    this.#finalizeWhenBack = false;
  }
}

/** The agent's ASR engines as one provider whose sessions fail over along the chain. */
export function failoverAsr(chain: EngineChain<AsrSession>): AsrProvider {
  return failoverProvider(chain, FailoverAsrSession);
}
