// Control's background work: the timeline consumer that builds call records, and the sweeper that marks edges
// lost. Each module that has such work starts it here; close() stops it all.
import type { TimelineReader } from '@invorto/timeline/timeline-log.ts';
import type { ControlContext } from '../context.ts';
import { CallIngest } from './calls/ingest.ts';
import { EdgeSweeper } from './edges/sweeper.ts';
import { startCallBilling } from './billing/call-billing.ts';

export interface BackgroundWork { close(): Promise<void> }

export function startBackgroundWork(ctx: ControlContext, reader: TimelineReader | null): BackgroundWork {
  const consumer = reader ? new CallIngest(ctx.database.db).consume(reader) : null;
  const sweeper = new EdgeSweeper(ctx).start(ctx.settings.edgeSweepEveryMs);
  const billing = startCallBilling(ctx);
  return {
    async close() {
      await sweeper.stop();
      await billing.stop();
      await consumer?.close();
    },
  };
}
