// Speech providers with a fallback: a session that cannot be opened with the vendor (down, refused, timed out) is
// opened with the offline engine instead, and the vendor's breaker makes later calls skip it at once while it is
// down. A call starts either way; its caller hears the offline voice rather than silence.
import type { AsrProvider, AsrSession, AudioFormat, SessionContext, TtsProvider, TtsSession } from '../types.ts';
import { CircuitBreaker } from './circuit-breaker.ts';

type Opener<S> = { name: string; open(context: SessionContext, options: { format: AudioFormat; model?: string; voice?: string }): Promise<S> };

function withFallback<S>(primary: Opener<S>, fallback: Opener<S>, breaker: CircuitBreaker): Opener<S> {
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
      return fallback.open(context, options);
    },
  };
}

export function asrWithFallback(primary: AsrProvider, fallback: AsrProvider, breaker: CircuitBreaker): AsrProvider {
  return withFallback<AsrSession>(primary, fallback, breaker);
}

export function ttsWithFallback(primary: TtsProvider, fallback: TtsProvider, breaker: CircuitBreaker): TtsProvider {
  return withFallback<TtsSession>(primary, fallback, breaker);
}
