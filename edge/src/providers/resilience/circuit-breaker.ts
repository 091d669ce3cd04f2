// One breaker per provider (shared by every call on the node): after `failureThreshold` consecutive failures it
// opens and requests go straight to the fallback; after `openMs` one trial request is let through (half-open);
// its success closes the breaker, its failure opens it again. States are readable for /metrics.

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  failureThreshold: number;
  openMs: number;
}

export class CircuitBreaker {
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAtMs = 0;
  #trialInFlight = false;
  readonly #options: BreakerOptions;
  /** Every breaker made in this process, by provider name: /metrics reads them. */
  static readonly all = new Map<string, CircuitBreaker>();
  /** Observers of retries and fallbacks (the node's metrics). */
  static readonly listeners = new Set<(kind: 'retry' | 'fallback', provider: string) => void>();

  static report(kind: 'retry' | 'fallback', provider: string): void {
    for (const listener of CircuitBreaker.listeners) listener(kind, provider);
  }

  constructor(readonly name: string, options: Partial<BreakerOptions> = {}, private readonly now: () => number = () => performance.now()) {
    this.#options = { failureThreshold: 5, openMs: 10_000, ...options };
    CircuitBreaker.all.set(name, this);
  }

  get state(): BreakerState {
    if (this.#state === 'open' && this.now() - this.#openedAtMs >= this.#options.openMs) this.#state = 'half-open';
    return this.#state;
  }

  /** May a request go to the provider now? In half-open, only one trial at a time. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.#trialInFlight) return false;
    this.#trialInFlight = true;
    return true;
  }

  success(): void {
    this.#failures = 0;
    this.#trialInFlight = false;
    this.#state = 'closed';
  }

  failure(): void {
    this.#trialInFlight = false;
    this.#failures++;
    if (this.#state === 'half-open' || this.#failures >= this.#options.failureThreshold) {
      this.#state = 'open';
      this.#openedAtMs = this.now();
    }
  }
}
