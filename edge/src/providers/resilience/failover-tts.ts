// A TTS session that outlives its voice. Every flushed sentence is kept until its `flushed` arrives; when the engine
// is lost mid-call (its socket dropped, a request refused) it is reconnected, or the next engine of the agent's chain
// takes over, and each sentence not yet whole is synthesized again from its start by the new voice. Flush numbers
// are the wrapper's own, so the reply keeps counting its sentences across the change. Only when every engine is gone
// does the session close ('closed' with the reason).
import { TypedEmitter } from '../../util/typed-emitter.ts';
import type { AudioFormat, SessionContext, TtsEvents, TtsProvider, TtsSession } from '../types.ts';
import type { EngineChain } from './engine-chain.ts';

export type FailoverTtsEvents = TtsEvents;

interface Pending { sequence: number; text: string; engineSequence: number }

export class FailoverTtsSession extends TypedEmitter<FailoverTtsEvents> implements TtsSession {
  readonly format: AudioFormat;
  readonly #chain: EngineChain<TtsSession>;
  readonly #context: SessionContext;
  readonly #open: { format: AudioFormat; voice?: string };
  #session: TtsSession | null;
  #index: number;
  #sequence = -1;
  /** Text spoken since the last flush, and the flushed sentences whose audio has not all arrived, oldest first. */
  #text = '';
  #pending: Pending[] = [];
  #closed = false;
  /** The current engine has served something since it opened: if it is lost, it is worth reconnecting first. */
  #served = false;

  constructor(chain: EngineChain<TtsSession>, opened: { session: TtsSession; index: number }, context: SessionContext, open: { format: AudioFormat; voice?: string }) {
    super();
    this.#chain = chain;
    this.#context = context;
    this.#open = open;
    this.format = open.format;
    this.#session = opened.session;
    this.#index = opened.index;
    this.#served = false;
    this.#attach(opened.session);
  }

  /** The engine speaking now. */
  get provider(): string {
    return this.#chain.engines[this.#index].name;
  }

  speak(text: string): void {
    this.#text += text;
    this.#session?.speak(text);
  }

  flush(): number {
    const sequence = ++this.#sequence;
    const pending: Pending = { sequence, text: this.#text, engineSequence: -1 };
    this.#text = '';
    this.#pending.push(pending);
    if (this.#session) pending.engineSequence = this.#session.flush();
    return sequence;
  }

  clear(): void {
    this.#text = '';
    this.#pending = [];
    this.#session?.clear();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const session = this.#session;
    this.#session = null;
    await session?.close();
    this.emit('closed', { reason: 'closed' });
    this.removeAllListeners();
  }

  #attach(session: TtsSession): void {
    session.on('audio', (audio) => {
      if (session !== this.#session) return;
      this.#served = true;
      this.emit('audio', audio);
    });
    session.on('flushed', ({ sequence }) => {
      if (session !== this.#session) return;
      const index = this.#pending.findIndex((p) => p.engineSequence === sequence);
      if (index < 0) return;
      const [done] = this.#pending.splice(0, index + 1).slice(-1);
      this.emit('flushed', { sequence: done.sequence });
    });
    session.on('error', (error) => { if (session === this.#session) this.emit('error', error); });
    session.on('closed', ({ reason }) => { if (session === this.#session && !this.#closed) void this.#failover(reason); });
  }

  /** The voice was lost: reconnect it or take the next, and speak again every sentence not yet whole. */
  async #failover(reason: string): Promise<void> {
    const lost = this.provider;
    const lostAtMs = performance.now();
    const old = this.#session;
    this.#session = null;
    old?.removeAllListeners();
    this.emit('error', new Error(`${lost} lost (${reason}): reconnecting or failing over, speaking ${this.#pending.length} sentence(s) again`));
    let opened: { session: TtsSession; index: number };
    try {
      // An engine that fails again before serving anything is not tried again: the next one is.
      opened = await this.#chain.open(this.#context, this.#open, this.#served ? this.#index : this.#index + 1, this.#served);
    } catch (error) {
      if (this.#closed) return;
      this.emit('failover', { from: lost, to: '', reason, recoveredMs: performance.now() - lostAtMs });
      this.emit('error', new Error(`text-to-speech lost: ${lost} (${reason}); no engine left: ${(error as Error).message}`));
      this.#closed = true;
      this.emit('closed', { reason: `every TTS engine lost (${lost}: ${reason})` });
      return;
    }
    if (this.#closed) {
      void opened.session.close();
      return;
    }
    this.#session = opened.session;
    this.#index = opened.index;
    this.#served = false;
    this.#attach(opened.session);
    for (const pending of this.#pending) {
      opened.session.speak(pending.text);
      pending.engineSequence = opened.session.flush();
    }
    if (this.#text) opened.session.speak(this.#text);
    this.emit('failover', { from: lost, to: this.provider, reason, recoveredMs: performance.now() - lostAtMs });
  }
}

/** The agent's TTS engines as one provider whose sessions fail over along the chain. */
export function failoverTts(chain: EngineChain<TtsSession>): TtsProvider {
  return {
    name: chain.name,
    async open(context, options) {
      const opened = await chain.open(context, options);
      return new FailoverTtsSession(chain, opened, context, options);
    },
  };
}
