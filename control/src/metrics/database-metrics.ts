// The database control runs on, and its PostgreSQL pool read at each scrape (the pool keeps its own counts).
import { Gauge, type Registry } from 'prom-client';
import type { ControlDatabase, PoolStats } from '../db/database.ts';

export function watchDatabase(registers: Registry[], database: ControlDatabase): void {
  const info = new Gauge({ name: 'invorto_control_database_info', help: 'The database control uses: 1, labelled with its driver (sqlite or postgres)', labelNames: ['driver'], registers });
  info.set({ driver: database.dialect }, 1);
  const stats = database.poolStats;
  if (!stats) return;
  // Separate gauges, not one with a state label: their sum means nothing (waiting queries are not connections).
  const pool = (name: string, help: string, read: (s: PoolStats) => number) =>
    new Gauge({ name, help, registers, collect() { this.set(read(stats())); } });
  pool('invorto_control_database_pool_connections', 'PostgreSQL connections the pool has open (busy and idle)', (s) => s.open);
  pool('invorto_control_database_pool_idle_connections', 'PostgreSQL connections open and idle in the pool', (s) => s.idle);
  pool('invorto_control_database_pool_waiting_queries', 'Queries waiting for a free PostgreSQL connection; above 0 for long, the pool is too small or the database slow', (s) => s.waiting);
  pool('invorto_control_database_pool_max_connections', 'Most PostgreSQL connections the pool opens', (s) => s.max);
}
