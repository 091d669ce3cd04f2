// Reads the embedded timeline log of a test edge back as decoded CallEvents.
import { join } from 'node:path';
import { v1 } from '@invorto/proto';
import { EmbeddedLog } from '@invorto/timeline/embedded-log.ts';

export function readTimeline(dataDir: string) {
  return EmbeddedLog.read(join(dataDir, 'timeline', 'events.log')).map((bytes) => v1.CallEvent.decode(bytes));
}

/**
 * The timeline once `done` says it holds what is expected, for reads while a call is still up: events wait up to the
 * log's linger (20 ms) to share a write. Returns what is there after `timeoutMs` either way, for the test to judge.
 */
export async function readTimelineWhen(dataDir: string, done: (events: ReturnType<typeof readTimeline>) => boolean, timeoutMs = 2000) {
  const deadline = Date.now() + timeoutMs;
  let events = readTimeline(dataDir);
  while (!done(events) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    events = readTimeline(dataDir);
  }
  return events;
}
