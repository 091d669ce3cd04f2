// The timeline ingest: events stored into call records by kind, redelivered ones skipped, failures, and how far the
// consumer group is behind the log (read from the log on each scrape).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { GroupBacklog } from '@invorto/timeline/timeline-log.ts';
import type { CallIngestEvents } from '../modules/calls/ingest.ts';
import type { TypedEmitter } from '@invorto/dsp/typed-emitter.ts';

// A batch is one transaction of up to 200 inserts: milliseconds on SQLite, more on a remote PostgreSQL.
const BATCH_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** A scrape must not hang on an unreachable Redis: past this the backlog is left out of that scrape. */
const BACKLOG_TIMEOUT_MS = 1000;

export class IngestMetrics {
  readonly stored: Counter<'kind'>;
  readonly duplicates: Counter;
  readonly failed: Counter;
  readonly batch: Histogram;
  readonly #registers: Registry[];

  constructor(registers: Registry[]) {
    this.#registers = registers;
    this.stored = new Counter({ name: 'invorto_control_timeline_events_stored_total', help: 'Timeline events stored into call records, by event kind (callStarted, turn, usage, …)', labelNames: ['kind'], registers });
    this.duplicates = new Counter({ name: 'invorto_control_timeline_events_duplicate_total', help: 'Timeline events skipped because they were already stored (delivered again after a retry or a crash)', registers });
    this.failed = new Counter({ name: 'invorto_control_timeline_ingest_errors_total', help: 'Timeline events that could not be stored on a delivery; each is offered again, then dead-lettered', registers });
    this.batch = new Histogram({ name: 'invorto_control_timeline_ingest_batch_seconds', help: 'Time to store one batch of timeline events (one transaction)', buckets: BATCH_BUCKETS_S, registers });
  }

  watch(ingest: TypedEmitter<CallIngestEvents>): void {
    ingest.on('applied', ({ storedKinds, duplicates, durationS }) => {
      for (const kind of storedKinds) this.stored.inc({ kind });
      if (duplicates > 0) this.duplicates.inc(duplicates);
      this.batch.observe(durationS);
    });
    ingest.on('failed', ({ events }) => this.failed.inc(events));
  }

  /**
   * The group's backlog, asked of the log at each scrape. Every replica reads the same group, so each reports the
   * same numbers: aggregate with max(), not sum(). A state the log cannot count has no series.
   */
  watchBacklog(backlog: () => Promise<GroupBacklog>): void {
    new Gauge({
      name: 'invorto_control_timeline_group_entries',
      help: 'Timeline entries the control consumer group is behind on: pending (delivered, not yet acked) and unread (in the log, not yet delivered; Redis only)',
      labelNames: ['state'], registers: this.#registers,
      async collect() {
        this.reset();
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), BACKLOG_TIMEOUT_MS); });
        const now = await Promise.race([backlog().catch(() => null), timeout]).finally(() => clearTimeout(timer));
        if (!now) return;
        this.set({ state: 'pending' }, now.pending);
        if (now.unread !== undefined) this.set({ state: 'unread' }, now.unread);
      },
    });
  }
}
