// An agent's engines for one stage, in order (the vendor first, then the offline engine or a second vendor): a
// session opens on the first that will, each behind its breaker, and a lost one is replaced by reconnecting it or
// by the next. Shared by the ASR and TTS failover sessions.
import type { AudioFormat, EngineChange, SessionContext } from '../types.ts';
import { AbortedError, executeForCall, isBrokenCircuit, reconnectPolicy, type ProviderBreakers } from './policies.ts';

export interface Engine<S> {
  name: string;
  open(context: SessionContext, options: { format: AudioFormat; model?: string; voice?: string }): Promise<S>;
}

/** When an engine was lost mid-call and what replaced it. */
export type FailoverReport = EngineChange;

export interface ChainOptions {
  breakers: ProviderBreakers;
  /** Names each engine's breaker (`deepgram-asr`): one vendor's ASR and TTS fail apart. */
  stage: 'asr' | 'tts';
  /** Attempts to reconnect the engine that was lost before moving on to the next. */
  reconnectAttempts?: number;
  /** ASR: a keep-alive after this long without audio (default 4 s; Deepgram closes an idle socket after ~10 s). */
  keepAliveMs?: number;
}

export class EngineChain<S> {
  constructor(readonly engines: Engine<S>[], readonly options: ChainOptions) {
    if (engines.length === 0) throw new Error('an engine chain needs at least one engine');
  }

  get name(): string {
    return this.engines[0].name;
  }

  /**
   * Opens a session on the first engine from `from` that will. `retrySame`: the engine at `from` was just lost, so it
   * is reconnected (a few quick attempts) before the next is tried. Throws the last error when none would.
   */
  async open(context: SessionContext, options: { format: AudioFormat; model?: string; voice?: string }, from = 0, retrySame = false): Promise<{ session: S; index: number }> {
    let lastError: Error = new Error(from >= this.engines.length ? 'no other engine in the agent\'s chain' : 'no engine');
    for (let index = from; index < this.engines.length; index++) {
      if (context.signal.aborted) throw new AbortedError('the call ended');
      const engine = this.engines[index];
      const breaker = this.options.breakers.get(`${engine.name}-${this.options.stage}`);
      const attempt = () => executeForCall(breaker, context.signal, () => engine.open(context, options));
      try {
        let session: S;
        if (index === from && retrySame) {
          const policy = reconnectPolicy(this.options.reconnectAttempts ?? 2);
          const retried = policy.onRetry(() => this.options.breakers.report('retry', `${engine.name}-${this.options.stage}`));
          try {
            session = await policy.execute(() => attempt(), context.signal);
          } finally {
            retried.dispose();
          }
        } else {
          session = await attempt();
        }
        if (index > from) this.options.breakers.report('fallback', `${this.engines[from].name}-${this.options.stage}`);
        return { session, index };
      } catch (error) {
        if (context.signal.aborted) throw new AbortedError('the call ended');
        // An open breaker skips its engine: the reason is the failure that opened it.
        const opened = breaker.lastFailure && 'error' in breaker.lastFailure ? breaker.lastFailure.error as Error : null;
        lastError = isBrokenCircuit(error) ? (opened ?? new Error(`${engine.name} is unavailable (circuit breaker open)`)) : error as Error;
      }
    }
    throw lastError;
  }
}

/** The name of the engine behind a session: the failover wrapper's current engine, else `configured`. */
export function servingProvider(session: object, configured: string): string {
  const provider = (session as { provider?: unknown }).provider;
  return typeof provider === 'string' ? provider : configured;
}
