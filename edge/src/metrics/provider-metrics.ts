// Providers: breaker state, retries and fallbacks (from the node's registry), engines lost mid-call and how long
// until another served, errors and time to first byte.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ProviderBreakers } from '../providers/resilience/policies.ts';
import type { Call } from '../runtime/call.ts';
import { TTFB_BUCKETS_S, type ErrorKind } from './buckets.ts';

const BREAKER_VALUES = { closed: 0, 'half-open': 1, open: 2 } as const;

export class ProviderMetrics {
  readonly breakerState: Gauge;
  readonly retries: Counter;
  readonly fallbacks: Counter;
  readonly errors: Counter;
  readonly ttfb: Histogram;
  readonly failovers: Counter;
  readonly failoverSeconds: Histogram;
  #breakers: ProviderBreakers | null = null;
  readonly #onRetry = ({ provider }: { provider: string }) => this.retries.inc({ provider });
  readonly #onFallback = ({ provider }: { provider: string }) => this.fallbacks.inc({ provider });

  constructor(registers: Registry[], private readonly error: (kind: ErrorKind) => void) {
    this.breakerState = new Gauge({
      name: 'invorto_provider_breaker_state', help: 'Circuit breaker per provider: 0 closed, 1 half-open, 2 open', labelNames: ['provider'], registers,
      // A pool of workers reports its worst breaker, not the sum of them.
      aggregator: 'max',
      collect: () => {
        if (!this.#breakers) return;
        for (const [provider, state] of this.#breakers.states()) this.breakerState.set({ provider }, BREAKER_VALUES[state]);
      },
    });
    this.retries = new Counter({ name: 'invorto_provider_retries_total', help: 'Provider requests retried (before any output), by provider', labelNames: ['provider'], registers });
    this.fallbacks = new Counter({ name: 'invorto_provider_fallbacks_total', help: 'Requests served by a fallback (another model, then the offline engine), by provider', labelNames: ['provider'], registers });
    this.errors = new Counter({ name: 'invorto_provider_errors_total', help: 'Provider failures, by stage and provider', labelNames: ['stage', 'provider'], registers });
    this.ttfb = new Histogram({ name: 'invorto_provider_ttfb_seconds', help: 'Provider time to first byte, by stage and the provider that served', labelNames: ['stage', 'provider'], buckets: TTFB_BUCKETS_S, registers });
    this.failovers = new Counter({ name: 'invorto_provider_failovers_total', help: 'Engines lost mid-call, by stage, the engine lost and the one that took over ("none": the call lost the stage)', labelNames: ['stage', 'from', 'to'], registers });
    this.failoverSeconds = new Histogram({ name: 'invorto_provider_failover_seconds', help: 'From an engine lost mid-call to another serving the call', labelNames: ['stage'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5], registers });
  }

  /** The node's breakers, retries and fallbacks. */
  watch(breakers: ProviderBreakers): void {
    this.#breakers = breakers;
    breakers.on('retry', this.#onRetry);
    breakers.on('fallback', this.#onFallback);
  }

  observe(call: Call): void {
    call.on('providerError', ({ stage, provider }) => {
      this.errors.inc({ stage, provider });
      this.error('provider');
    });
    call.on('ttfb', ({ stage, provider, seconds }) => this.ttfb.observe({ stage, provider }, seconds));
    call.on('failover', ({ stage, from, to, recoveredMs }) => {
      this.failovers.inc({ stage, from, to: to || 'none' });
      if (to) this.failoverSeconds.observe({ stage }, recoveredMs / 1000);
    });
  }

  close(): void {
    this.#breakers?.off('retry', this.#onRetry);
    this.#breakers?.off('fallback', this.#onFallback);
  }
}
