// Speech providers with a fallback: a session that cannot be opened with the vendor (down, refused, timed out) is
// opened with the offline engine instead, and the vendor's breaker makes later calls skip it at once while it is
// down. A call starts either way; its caller hears the offline voice rather than silence.
import type { AsrProvider, AsrSession, AudioFormat, SessionContext, TtsProvider, TtsSession } from '../types.ts';
import { CircuitBreaker } from './circuit-breaker.ts';

/** Sessions a fallback engine opened, with its name: metrics then name the engine that really served. */
const servedBy = new WeakMap<object, string>();

/** The name of the engine behind a session: the fallback's when it served, else `configured`. */
export function servingProvider(session: object, configured: string): string {
  return servedBy.get(session) ?? configured;
}

type Opener<S> = { name: string; open(context: SessionContext, options: { format: AudioFormat; model?: string; voice?: string }): Promise<S> };

function withFallback<S extends object>(primary: Opener<S>, fallback: Opener<S>, breaker: CircuitBreaker): Opener<S> {
  return {
    name: primary.name,
    async open(context, options) {
      if (breaker.tryAcquire()) {
        try {
          const session = await primary.open(context, options);
          breaker.success();
          return session;
        } catch (error) {
          breaker.failure();
          if (context.signal.aborted) throw error;
        }
      }
      CircuitBreaker.report('fallback', breaker.name);
      const session = await fallback.open(context, options);
      servedBy.set(session as object, fallback.name);
      return session;
    },
  };
}

export function asrWithFallback(primary: AsrProvider, fallback: AsrProvider, breaker: CircuitBreaker): AsrProvider {
  return withFallback<AsrSession>(primary, fallback, breaker);
}

export function ttsWithFallback(primary: TtsProvider, fallback: TtsProvider, breaker: CircuitBreaker): TtsProvider {
  return withFallback<TtsSession>(primary, fallback, breaker);
}
