// The timeline: how long events wait to be stored, and the spool that keeps them while the log is unreachable.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { TypedEmitter } from '../util/typed-emitter.ts';
import type { TimelineSinkEvents } from '@invorto/timeline/timeline-log.ts';
import { PUBLISH_BUCKETS_S, type ErrorKind } from './buckets.ts';

export class TimelineMetrics {
  readonly publish: Histogram;
  readonly spooled: Counter;
  readonly replayed: Counter;
  readonly backlog: Gauge;

  constructor(registers: Registry[], private readonly error: (kind: ErrorKind) => void) {
    this.publish = new Histogram({ name: 'invorto_timeline_publish_seconds', help: 'From an event\'s append to its batch being stored in the log (oldest event of each batch)', buckets: PUBLISH_BUCKETS_S, registers });
    this.spooled = new Counter({ name: 'invorto_timeline_events_spooled_total', help: 'Timeline events written to the local spool because the log was unreachable', registers });
    this.replayed = new Counter({ name: 'invorto_timeline_events_replayed_total', help: 'Spooled timeline events delivered to the log after it came back', registers });
    this.backlog = new Gauge({ name: 'invorto_timeline_spool_backlog_events', help: 'Timeline events waiting in the local spool', registers });
  }

  watch(sink: TypedEmitter<TimelineSinkEvents>): void {
    sink.on('published', ({ oldestWaitS }) => this.publish.observe(oldestWaitS));
    sink.on('spooled', ({ events }) => this.spooled.inc(events));
    sink.on('replayed', ({ events }) => this.replayed.inc(events));
    sink.on('backlog', ({ events }) => this.backlog.set(events));
    sink.on('dropped', () => this.error('timeline'));
    sink.on('error', () => this.error('timeline'));
  }
}
