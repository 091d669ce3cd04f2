// Control's background work: the timeline consumer that builds call records, and the sweeper that marks edges
// lost. Each module that has such work starts it here; close() stops it all.
import type { TimelineReader } from '@invorto/timeline/timeline-log.ts';
import type { ControlContext } from '../context.ts';

export interface BackgroundWork { close(): Promise<void> }

export function startBackgroundWork(_ctx: ControlContext, _reader: TimelineReader | null): BackgroundWork {
  return { async close() {} };
}
