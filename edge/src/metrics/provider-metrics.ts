// Providers: breaker state, retries, fallbacks (process-wide, from the breakers), errors and time to first byte.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { CircuitBreaker } from '../providers/resilience/circuit-breaker.ts';
import type { Call } from '../runtime/call.ts';
import { TTFB_BUCKETS_S, type ErrorKind } from './buckets.ts';

const BREAKER_VALUES = { closed: 0, 'half-open': 1, open: 2 } as const;

export class ProviderMetrics {
  readonly breakerState: Gauge;
  readonly retries: Counter;
  readonly fallbacks: Counter;
  readonly errors: Counter;
  readonly ttfb: Histogram;
  readonly #onResilience = (kind: 'retry' | 'fallback', provider: string) => (kind === 'retry' ? this.retries : this.fallbacks).inc({ provider });

  constructor(registers: Registry[], private readonly error: (kind: ErrorKind) => void) {
    this.breakerState = new Gauge({
      name: 'invorto_provider_breaker_state', help: 'Circuit breaker per provider: 0 closed, 1 half-open, 2 open', labelNames: ['provider'], registers,
      // A pool of workers reports its worst breaker, not the sum of them.
      aggregator: 'max',
      collect() {
        for (const [provider, breaker] of CircuitBreaker.all) this.set({ provider }, BREAKER_VALUES[breaker.state]);
      },
    });
    this.retries = new Counter({ name: 'invorto_provider_retries_total', help: 'Provider requests retried (before any output), by provider', labelNames: ['provider'], registers });
    this.fallbacks = new Counter({ name: 'invorto_provider_fallbacks_total', help: 'Requests served by a fallback (another model, then the offline engine), by provider', labelNames: ['provider'], registers });
    this.errors = new Counter({ name: 'invorto_provider_errors_total', help: 'Provider failures, by stage and provider', labelNames: ['stage', 'provider'], registers });
    this.ttfb = new Histogram({ name: 'invorto_provider_ttfb_seconds', help: 'Provider time to first byte, by stage and the provider that served', labelNames: ['stage', 'provider'], buckets: TTFB_BUCKETS_S, registers });
    CircuitBreaker.listeners.add(this.#onResilience);
  }

  observe(call: Call): void {
    call.on('providerError', ({ stage, provider }) => {
      this.errors.inc({ stage, provider });
      this.error('provider');
    });
    call.on('ttfb', ({ stage, provider, seconds }) => this.ttfb.observe({ stage, provider }, seconds));
  }

  close(): void {
    CircuitBreaker.listeners.delete(this.#onResilience);
  }
}
