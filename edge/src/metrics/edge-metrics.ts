// Prometheus metrics of one edge node, in its own Registry: one collector per group (calls, providers, media,
// timeline), each subscribing to the events of what it measures; no stage calls into them.
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import type { Call } from '../runtime/call.ts';
import type { CallHost } from '../server/call-host.ts';
import type { ProviderBreakers } from '../providers/resilience/policies.ts';
import type { TimelineSinkEvents } from '@invorto/timeline/timeline-log.ts';
import type { TypedEmitter } from '../util/typed-emitter.ts';
import { ERROR_KINDS, type ErrorKind } from './buckets.ts';
import { BudgetMetrics } from './budget-metrics.ts';
import { CallMetrics } from './call-metrics.ts';
import { MediaMetrics } from './media-metrics.ts';
import { ProviderMetrics } from './provider-metrics.ts';
import { TimelineMetrics } from './timeline-metrics.ts';

export class EdgeMetrics {
  readonly registry = new Registry();
  readonly errors: Counter;
  readonly calls: CallMetrics;
  readonly providers: ProviderMetrics;
  readonly media: MediaMetrics;
  readonly timeline: TimelineMetrics;
  readonly budget: BudgetMetrics;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'invorto_edge_' });
    this.errors = new Counter({ name: 'invorto_errors_total', help: 'Errors by kind: protocol (carrier messages), provider, tool, timeline (events not stored), internal (calls ended by an error)', labelNames: ['kind'], registers });
    for (const kind of ERROR_KINDS) this.errors.inc({ kind }, 0);
    const error = (kind: ErrorKind) => this.errors.inc({ kind });
    this.calls = new CallMetrics(registers, error);
    this.providers = new ProviderMetrics(registers, error);
    this.media = new MediaMetrics(registers, error);
    this.timeline = new TimelineMetrics(registers, error);
    this.budget = new BudgetMetrics(registers);
  }

  observe(call: Call): void {
    this.calls.observe(call);
    this.providers.observe(call);
    this.media.observe(call);
    this.budget.observe(call);
  }

  /** Every call the host starts, its refusals, rejected messages and audio dropped before a call existed. */
  observeHost(host: CallHost): void {
    host.on('callStarted', ({ call }) => this.observe(call));
    host.on('refused', ({ reason }) => this.calls.refused.inc({ reason }));
    host.on('protocolError', ({ transport }) => this.media.protocolError(transport));
    host.on('audioDropped', ({ queue, bytes }) => this.media.audioDropped.inc({ queue }, bytes));
  }

  /** The node's provider breakers, retries and fallbacks. */
  watchProviders(breakers: ProviderBreakers): void {
    this.providers.watch(breakers);
  }

  watchTimeline(sink: TypedEmitter<TimelineSinkEvents>): void {
    this.timeline.watch(sink);
  }

  /** Stops listening to the registry's provider events (the node is closing). */
  close(): void {
    this.providers.close();
  }
}
