// Retry and circuit-breaker policies of the provider wrappers, from cockatiel. Breakers belong to a ProviderRegistry
// (one per engine name, shared by that node's calls), not to the process: whoever observes the registry's events
// (the node's metrics) counts retries, fallbacks and breaker states.
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleWhen, retry, type CircuitBreakerPolicy, type RetryPolicy } from 'cockatiel';
import { TypedEmitter } from '../../util/typed-emitter.ts';

export type BreakerState = 'closed' | 'open' | 'half-open';

export type ResilienceEvents = {
  /** A request or connection to `provider` is tried again. */
  retry: { provider: string };
  /** `provider` could not serve and the next engine (or model) did. */
  fallback: { provider: string };
};

export interface BreakerOptions {
  /** Consecutive failures that open a breaker. */
  failureThreshold: number;
  /** How long an open breaker skips its engine before one trial is let through (half-open). */
  openMs: number;
}

const STATES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'open',
};

export class ProviderBreakers extends TypedEmitter<ResilienceEvents> {
  readonly #breakers = new Map<string, CircuitBreakerPolicy>();
  readonly #options: BreakerOptions;

  constructor(options: Partial<BreakerOptions> = {}) {
    super();
    this.#options = { failureThreshold: 5, openMs: 10_000, ...options };
  }

  /** The breaker of an engine (made on first use). */
  get(provider: string): CircuitBreakerPolicy {
    let breaker = this.#breakers.get(provider);
    if (!breaker) {
      breaker = circuitBreaker(handleWhen((error) => !(error instanceof AbortedError)), { halfOpenAfter: this.#options.openMs, breaker: new ConsecutiveBreaker(this.#options.failureThreshold) });
      this.#breakers.set(provider, breaker);
    }
    return breaker;
  }

  /** Each engine's breaker state, for /metrics. */
  *states(): Iterable<[string, BreakerState]> {
    for (const [provider, breaker] of this.#breakers) yield [provider, STATES[breaker.state]];
  }

  report(kind: keyof ResilienceEvents, provider: string): void {
    this.emit(kind, { provider });
  }
}

/** The call ended while a provider was being tried: not the provider's fault, and not worth a retry. */
export class AbortedError extends Error {}

/**
 * Runs `attempt` under an engine's breaker for one call. A failure after the call's `signal` aborted is the caller
 * hanging up, whatever the SDK threw for it, so it reaches the breaker as an AbortedError, which breakers do not
 * count: otherwise a burst of short calls opens a healthy engine's breaker and every call after them is served by
 * the fallback.
 */
export function executeForCall<T>(breaker: CircuitBreakerPolicy, signal: AbortSignal, attempt: () => Promise<T>): Promise<T> {
  return breaker.execute(async () => {
    if (signal.aborted) throw new AbortedError('the call ended');
    try {
      return await attempt();
    } catch (error) {
      if (signal.aborted) throw new AbortedError('the call ended');
      throw error;
    }
  });
}

/** Whether an error is the breaker refusing its engine (open), rather than the engine failing. */
export function isBrokenCircuit(error: unknown): boolean {
  return error instanceof BrokenCircuitError;
}

/**
 * Reconnecting a lost engine: quick attempts (50, 100, 200 ms apart with jitter), since a caller is waiting; a call
 * that ended stops it. More than this and the next engine in the chain takes over instead.
 */
export function reconnectPolicy(maxAttempts: number): RetryPolicy {
  return retry(handleWhen((error) => !(error instanceof AbortedError)), { maxAttempts, backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 200 }) });
}

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/**
 * How long to wait before retry number `attempt` (1-based): what the provider asked for (Retry-After), else
 * exponential backoff with full jitter, so that many calls retrying at once do not arrive together.
 */
export function retryDelayMs(attempt: number, options: BackoffOptions, retryAfterS?: number, random: () => number = Math.random): number {
  if (retryAfterS !== undefined && Number.isFinite(retryAfterS) && retryAfterS >= 0) return Math.min(retryAfterS * 1000, options.maxMs);
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** (attempt - 1));
  return Math.round(random() * ceiling);
}

/** A breaker's state as /metrics and tests name it. */
export function stateOf(breaker: CircuitBreakerPolicy): BreakerState {
  return STATES[breaker.state];
}
