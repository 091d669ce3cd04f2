// Control's background work: the timeline consumer that builds call records, the sweeper that marks edges lost
// and the artifact retention applier. Each module that has such work starts it here; close() stops it all.
import type { TimelineConsumer, TimelineReader } from '@invorto/timeline/timeline-log.ts';
import type { ControlContext } from '../context.ts';
import { CallIngest, INGEST_GROUP } from './calls/ingest.ts';
import { EdgeSweeper } from './edges/sweeper.ts';
import { startCallBilling } from './billing/call-billing.ts';
import { RetentionApplier } from './artifacts/retention.ts';

export interface BackgroundWork { close(): Promise<void> }

export function startBackgroundWork(ctx: ControlContext, reader: TimelineReader | null): BackgroundWork {
  let consumer: TimelineConsumer | null = null;
  if (reader) {
    const ingest = new CallIngest(ctx.database.db);
    ctx.metrics.ingest.watch(ingest);
    ctx.metrics.ingest.watchBacklog(() => reader.groupBacklog(INGEST_GROUP));
    consumer = ingest.consume(reader);
  }
  const sweeper = new EdgeSweeper(ctx).start(ctx.settings.edgeSweepEveryMs);
  const billing = startCallBilling(ctx);
  const retention = new RetentionApplier(ctx).start(ctx.settings.retentionEveryMs);
  return {
    async close() {
      await retention.stop();
      await sweeper.stop();
      await billing.stop();
      await consumer?.close();
    },
  };
}
