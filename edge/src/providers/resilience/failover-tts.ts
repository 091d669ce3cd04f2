// A TTS session that outlives its voice. Every flushed sentence is kept until its `flushed` arrives; when the engine
// is lost mid-call (its socket dropped, a request refused) it is reconnected, or the next engine of the agent's chain
// takes over, and each sentence not yet whole is synthesized again from its start by the new voice. Flush numbers
// are the wrapper's own, so the reply keeps counting its sentences across the change. Only when every engine is gone
// does the session close ('closed' with the reason).
import type { AudioFormat, SessionContext, TtsEvents, TtsProvider, TtsSession } from '../types.ts';
import type { EngineChain } from './engine-chain.ts';
import { FailoverSession, failoverProvider, type FailoverStage, type OpenedEngine } from './failover-session.ts';

export type FailoverTtsEvents = TtsEvents;

interface Pending { sequence: number; text: string; engineSequence: number }

const TTS_STAGE: FailoverStage = { service: 'text-to-speech', engines: 'TTS' };

export class FailoverTtsSession extends FailoverSession<TtsSession, FailoverTtsEvents, { format: AudioFormat; voice?: string }> implements TtsSession {
  #sequence = -1;
  /** Text spoken since the last flush, and the flushed sentences whose audio has not all arrived, oldest first. */
  #text = '';
  #pending: Pending[] = [];

  constructor(chain: EngineChain<TtsSession>, opened: OpenedEngine<TtsSession>, context: SessionContext, open: { format: AudioFormat; voice?: string }) {
    super(chain, opened, context, open, TTS_STAGE);
    this.attach(opened.session);
  }

  speak(text: string): void {
    this.#text += text;
    this.current?.speak(text);
  }

  flush(): number {
    const sequence = ++this.#sequence;
    const pending: Pending = { sequence, text: this.#text, engineSequence: -1 };
    this.#text = '';
    this.#pending.push(pending);
    const session = this.current;
    if (session) pending.engineSequence = session.flush();
    return sequence;
  }

  clear(): void {
    this.#text = '';
    this.#pending = [];
    this.current?.clear();
  }

  protected override forward(session: TtsSession): void {
    session.on('audio', (audio) => {
      if (session !== this.current) return;
      this.markServed();
      this.emit('audio', audio);
    });
    session.on('flushed', ({ sequence }) => {
      if (session !== this.current) return;
      const index = this.#pending.findIndex((p) => p.engineSequence === sequence);
      if (index < 0) return;
      const [done] = this.#pending.splice(0, index + 1).slice(-1);
      this.emit('flushed', { sequence: done.sequence });
    });
  }

  protected override describeReplay(): string {
    return `speaking ${this.#pending.length} sentence(s) again`;
  }

  /** The new voice numbers its flushes afresh, so each pending sentence takes the new engine's number. */
  protected override replayInto(session: TtsSession): void {
    for (const pending of this.#pending) {
      session.speak(pending.text);
      pending.engineSequence = session.flush();
    }
    if (this.#text) session.speak(this.#text);
  }
}

/** The agent's TTS engines as one provider whose sessions fail over along the chain. */
export function failoverTts(chain: EngineChain<TtsSession>): TtsProvider {
  return failoverProvider(chain, FailoverTtsSession);
}
