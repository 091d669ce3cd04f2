// Reads the embedded timeline log of a test edge back as decoded CallEvents.
import { join } from 'node:path';
import { v1 } from '@invorto/proto';
import { EmbeddedLog } from '../../src/timeline/embedded-log.ts';

export function readTimeline(dataDir: string) {
  return EmbeddedLog.read(join(dataDir, 'timeline', 'events.log')).map((bytes) => v1.CallEvent.decode(bytes));
}
