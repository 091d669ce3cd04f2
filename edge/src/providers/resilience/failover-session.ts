// What the ASR and TTS failover sessions have in common: which engine of the agent's chain serves now, and what
// happens when it is lost (reconnect it or take the next, or close once none is left). What the new engine must be
// given again (audio not finalized, sentences not whole) is each stage's own, so the subclasses say it.
import { TypedEmitter } from '../../util/typed-emitter.ts';
import type { AudioFormat, EngineChange, SessionContext } from '../types.ts';
import type { EngineChain } from './engine-chain.ts';

/** The events every failover session emits, whatever its stage. */
export type FailoverEvents = {
  error: Error;
  closed: { reason: string };
  failover: EngineChange;
};

/** An engine's session, as far as failing over needs it. */
export type EngineSession = TypedEmitter<FailoverEvents> & { close(): Promise<void> };

export interface OpenedEngine<S> {
  session: S;
  index: number;
}

/** How a stage is named when its last engine is lost, and when a lost engine counts as having served. */
export interface FailoverStage {
  /** 'speech recognition': in the error that ends the session. */
  service: string;
  /** 'ASR': in the reason the session closes with. */
  engines: string;
  /** An engine up this long counts as having served even if it emitted nothing (default: never). */
  servedAfterMs?: number;
}

/** A failover session's constructor, as the subclasses declare it. */
export type FailoverSessionClass<S, O, W> = new (chain: EngineChain<S>, opened: OpenedEngine<S>, context: SessionContext, open: O) => W;

/** The chain as one provider: each open takes the first engine that will, wrapped in the stage's failover session. */
export function failoverProvider<S, O extends { format: AudioFormat }, W>(chain: EngineChain<S>, Session: FailoverSessionClass<S, O, W>): { name: string; open(context: SessionContext, options: O): Promise<W> } {
  return {
    name: chain.name,
    async open(context, options) {
      const opened = await chain.open(context, options);
      return new Session(chain, opened, context, options);
    },
  };
}

export abstract class FailoverSession<S extends EngineSession, E extends FailoverEvents, O extends { format: AudioFormat }> extends TypedEmitter<E> {
  readonly format: AudioFormat;
  readonly #chain: EngineChain<S>;
  readonly #context: SessionContext;
  readonly #open: O;
  readonly #stage: FailoverStage;
  #session: S | null;
  #index: number;
  #closed = false;
  /** The current engine has served something since it opened: if it is lost, it is worth reconnecting first. */
  #served = false;
  #openedAtMs = performance.now();

  protected constructor(chain: EngineChain<S>, opened: OpenedEngine<S>, context: SessionContext, open: O, stage: FailoverStage) {
    super();
    this.#chain = chain;
    this.#context = context;
    this.#open = open;
    this.#stage = stage;
    this.format = open.format;
    this.#session = opened.session;
    this.#index = opened.index;
  }

  /** The engine serving now. */
  get provider(): string {
    return this.#chain.engines[this.#index].name;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.onEnd();
    const session = this.#session;
    this.#session = null;
    await session?.close();
    this.#emit('closed', { reason: 'closed' });
    this.removeAllListeners();
  }

  /** The engine's session serving now; null while failing over and once closed. */
  protected get current(): S | null {
    return this.#session;
  }

  protected get isClosed(): boolean {
    return this.#closed;
  }

  /** The engine delivered something: if it is lost now, it is reconnected before the next is tried. */
  protected markServed(): void {
    this.#served = true;
  }

  /** Follows an engine's session; the subclass calls it for the first engine once its own state is set up. */
  protected attach(session: S): void {
    this.forward(session);
    session.on('error', (error) => { if (session === this.#session) this.#emit('error', error); });
    session.on('closed', ({ reason }) => { if (session === this.#session && !this.#closed) void this.#failover(reason); });
  }

  /** Re-emits the stage's own events of `session` while it is the current one. */
  protected abstract forward(session: S): void;

  /** Gives a new engine what the lost one left unfinished. */
  protected abstract replayInto(session: S): void;

  /** What the new engine will be given again, for the error announcing the loss. */
  protected abstract describeReplay(): string;

  /** The session has ended (closed, or every engine lost): stop what runs beside the engine. */
  protected onEnd(): void {}

  /** The engine was lost: reconnect it or take the next, and give it what was unfinished. */
  async #failover(reason: string): Promise<void> {
    const lost = this.provider;
    const lostAtMs = performance.now();
    const old = this.#session;
    this.#session = null;
    old?.removeAllListeners();
    this.#emit('error', new Error(`${lost} lost (${reason}): reconnecting or failing over, ${this.describeReplay()}`));
    let opened: OpenedEngine<S>;
    try {
      // An engine that fails again before serving anything is not tried again: the next one is.
      const served = this.#served || lostAtMs - this.#openedAtMs > (this.#stage.servedAfterMs ?? Infinity);
      opened = await this.#chain.open(this.#context, this.#open, served ? this.#index : this.#index + 1, served);
    } catch (error) {
      if (this.#closed) return;
      this.#emit('failover', { from: lost, to: '', reason, recoveredMs: performance.now() - lostAtMs });
      this.#emit('error', new Error(`${this.#stage.service} lost: ${lost} (${reason}); no engine left: ${(error as Error).message}`));
      this.#closed = true;
      this.onEnd();
      this.#emit('closed', { reason: `every ${this.#stage.engines} engine lost (${lost}: ${reason})` });
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
    this.attach(opened.session);
    this.replayInto(opened.session);
    this.#emit('failover', { from: lost, to: this.provider, reason, recoveredMs: performance.now() - lostAtMs });
  }

  // The stage's event map extends FailoverEvents, so these payloads fit it; TypeScript cannot see that for a generic E.
  #emit<K extends keyof FailoverEvents>(name: K, event: FailoverEvents[K]): void {
    this.emit(name, event as E[K]);
  }
}
