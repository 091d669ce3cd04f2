// An ASR session that outlives its engine. Audio not yet finalized is kept (ReplayBuffer); when the engine is lost
// mid-call it is reconnected, or the next engine of the agent's chain takes over, and hears the kept audio first, so
// the caller's current words are not lost. A silent line gets keep-alives. Only when every engine is gone does the
// session close ('closed' with the reason), and the call decides what to do. Engines stay message translators.
import { TypedEmitter } from '../../util/typed-emitter.ts';
import type { AsrEvents, AsrProvider, AsrSession, AudioFormat, SessionContext } from '../types.ts';
import type { EngineChain } from './engine-chain.ts';
import { ReplayBuffer } from './replay-buffer.ts';

export type FailoverAsrEvents = AsrEvents;

/** Without audio this long, the engine gets a keep-alive (Deepgram closes a socket after ~10 s of nothing). */
const KEEPALIVE_MS = 4000;

export class FailoverAsrSession extends TypedEmitter<FailoverAsrEvents> implements AsrSession {
  readonly format: AudioFormat;
  readonly #chain: EngineChain<AsrSession>;
  readonly #context: SessionContext;
  readonly #open: { format: AudioFormat; model?: string };
  readonly #replay: ReplayBuffer;
  readonly #keepAlive: NodeJS.Timeout;
  #session: AsrSession | null;
  #index: number;
  /** Session seconds where the current engine's audio (its time 0) starts. */
  #offsetS = 0;
  #lastAudioMs = performance.now();
  #finalizeWhenBack = false;
  #closed = false;
  /** The current engine has served something since it opened: if it is lost, it is worth reconnecting first. */
  #served = false;
  #openedAtMs = performance.now();

  constructor(chain: EngineChain<AsrSession>, opened: { session: AsrSession; index: number }, context: SessionContext, open: { format: AudioFormat; model?: string }) {
    super();
    this.#chain = chain;
    this.#context = context;
    this.#open = open;
    this.format = open.format;
    this.#replay = new ReplayBuffer(open.format.sampleRateHz * (open.format.encoding === 'linear16' ? 2 : 1));
    this.#session = opened.session;
    this.#index = opened.index;
    this.#served = false;
    this.#attach(opened.session);
    const keepAliveMs = chain.options.keepAliveMs ?? KEEPALIVE_MS;
    this.#keepAlive = setInterval(() => {
      if (performance.now() - this.#lastAudioMs >= keepAliveMs) this.#session?.keepAlive?.();
    }, keepAliveMs / 2);
  }

  /** The engine serving now. */
  get provider(): string {
    return this.#chain.engines[this.#index].name;
  }

  get finalizesOnRequestOnly(): boolean {
    return this.#session?.finalizesOnRequestOnly ?? false;
  }

  get droppedBytes(): number {
    return this.#replay.droppedBytes;
  }

  push(audio: Uint8Array): void {
    if (this.#closed) return;
    this.#lastAudioMs = performance.now();
    this.#replay.keep(audio);
    this.#session?.push(audio);
  }

  finalize(): void {
    if (this.#session) this.#session.finalize();
    else this.#finalizeWhenBack = true;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#keepAlive);
    const session = this.#session;
    this.#session = null;
    await session?.close();
    this.emit('closed', { reason: 'closed' });
    this.removeAllListeners();
  }

  #attach(session: AsrSession): void {
    session.on('transcript', (t) => {
      if (session !== this.#session) return;
      this.#served = true;
      const startS = t.startS === undefined ? undefined : this.#offsetS + t.startS;
      const endS = t.endS === undefined ? undefined : this.#offsetS + t.endS;
      // A final covers the audio up to its end; one without timing covers all the engine heard.
      if (t.isFinal && endS !== undefined) this.#replay.acknowledge(endS);
      else if (t.isFinal && t.text.trim()) this.#replay.acknowledgeAll();
      this.emit('transcript', { ...t, startS, endS });
    });
    session.on('speechStarted', (e) => { if (session === this.#session) this.emit('speechStarted', { atS: this.#offsetS + e.atS }); });
    session.on('utteranceEnd', (e) => { if (session === this.#session) this.emit('utteranceEnd', { lastWordEndS: this.#offsetS + e.lastWordEndS }); });
    session.on('error', (error) => { if (session === this.#session) this.emit('error', error); });
    session.on('closed', ({ reason }) => { if (session === this.#session && !this.#closed) void this.#failover(reason); });
  }

  /** The engine was lost: reconnect it or take the next, and replay what it had not finalized. */
  async #failover(reason: string): Promise<void> {
    const lost = this.provider;
    const lostAtMs = performance.now();
    const old = this.#session;
    this.#session = null;
    old?.removeAllListeners();
    this.emit('error', new Error(`${lost} lost (${reason}): reconnecting or failing over, replaying ${this.#replay.seconds.toFixed(1)} s of audio`));
    let opened: { session: AsrSession; index: number };
    try {
      // An engine that fails again before serving anything is not tried again: the next one is.
      const served = this.#served || lostAtMs - this.#openedAtMs > 1000;
      opened = await this.#chain.open(this.#context, this.#open, served ? this.#index : this.#index + 1, served);
    } catch (error) {
      if (this.#closed) return;
      this.emit('failover', { from: lost, to: '', reason, recoveredMs: performance.now() - lostAtMs });
      this.emit('error', new Error(`speech recognition lost: ${lost} (${reason}); no engine left: ${(error as Error).message}`));
      this.#closed = true;
      clearInterval(this.#keepAlive);
      this.emit('closed', { reason: `every ASR engine lost (${lost}: ${reason})` });
      return;
    }
    if (this.#closed) {
      void opened.session.close();
      return;
    }
    this.#session = opened.session;
    this.#index = opened.index;
    this.#served = false;
    this.#openedAtMs = performance.now();
    this.#offsetS = this.#replay.startS;
    this.#attach(opened.session);
    for (const audio of this.#replay.audio()) opened.session.push(audio);
    if (this.#finalizeWhenBack) opened.session.finalize();
    this.#finalizeWhenBack = false;
    this.emit('failover', { from: lost, to: this.provider, reason, recoveredMs: performance.now() - lostAtMs });
  }
}

/** The agent's ASR engines as one provider whose sessions fail over along the chain. */
export function failoverAsr(chain: EngineChain<AsrSession>): AsrProvider {
  return {
    name: chain.name,
    async open(context, options) {
      const opened = await chain.open(context, options);
      return new FailoverAsrSession(chain, opened, context, options);
    },
  };
}
