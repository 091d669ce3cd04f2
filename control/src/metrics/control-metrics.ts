// Prometheus metrics of one control process, in a Registry of its own (never prom-client's global one), so two
// controls in one test process never share or collide on a series. Collectors observe what they measure: HTTP
// through Fastify hooks, the timeline ingest through its events, the database by reading its pool at scrape time.
// Served by the internal app at GET /metrics (app.ts says why there).
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { ControlDatabase } from '../db/database.ts';
import { watchDatabase } from './database-metrics.ts';
import { HttpMetrics } from './http-metrics.ts';
import { IngestMetrics } from './ingest-metrics.ts';

export class ControlMetrics {
  readonly registry = new Registry();
  readonly http: HttpMetrics;
  readonly ingest: IngestMetrics;

  constructor(database: ControlDatabase) {
    const registers = [this.registry];
    // The process's CPU, memory, event-loop lag and GC, as the edge's under invorto_edge_. Control's options name no
    // replica, so no label is added: Prometheus's own `instance` (and `pod` in Kubernetes) tells replicas apart.
    collectDefaultMetrics({ register: this.registry, prefix: 'invorto_control_' });
    this.http = new HttpMetrics(registers);
    this.ingest = new IngestMetrics(registers);
    watchDatabase(registers, database);
  }
}
