// Control's timeline consumer: every call event becomes part of a call record (ControlDb.calls). Batches are applied
// in one transaction; when a batch fails, each entry is applied alone so one bad event is retried (and in the end
// dead-lettered) without holding up the rest. Redelivered events change nothing (stored once by call id and seq).
import { hostname } from 'node:os';
import type { TimelineConsumer, TimelineReader } from '@invorto/timeline/timeline-log.ts';
import type { ControlDb } from './db.ts';

export function ingestTimeline(db: ControlDb, reader: TimelineReader): TimelineConsumer {
  const consumer = reader.consumer({ group: 'control', consumer: `control-${hostname()}-${process.pid}`, batch: 200, claimIdleMs: 30_000, maxAttempts: 5 });
  consumer.start(async (entries) => {
    try {
      db.calls.apply(entries.map((e) => e.event));
      return;
    } catch {
      const failed: string[] = [];
      for (const entry of entries) {
        try {
          db.calls.apply([entry.event]);
        } catch {
          failed.push(entry.id);
        }
      }
      return { failed };
    }
  });
  return consumer;
}
