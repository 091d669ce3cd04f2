// What the edges wrote to the shared timeline (the Redis stream `invorto:timeline`), decoded.
import { Redis } from 'ioredis';
import { eventJson } from '@invorto/timeline/event-json.ts';

export type TimelineEvent = ReturnType<typeof eventJson>;

export async function readTimeline(redisUrl: string): Promise<TimelineEvent[]> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const entries = (await redis.xrangeBuffer('invorto:timeline', '-', '+')) as [Buffer, Buffer[]][];
    return entries.map(([, fields]) => {
      const at = fields.findIndex((f, i) => i % 2 === 0 && f.toString() === 'ev');
      return eventJson(fields[at + 1]);
    });
  } finally {
    redis.disconnect();
  }
}

/** The calls each edge started (callStarted events by their edge id). */
export function callsByEdge(events: TimelineEvent[]): Map<string, TimelineEvent[]> {
  const byEdge = new Map<string, TimelineEvent[]>();
  for (const e of events.filter((x) => x.kind === 'callStarted')) {
    const edge = String(e.payload.edgeId ?? '');
    byEdge.set(edge, [...(byEdge.get(edge) ?? []), e]);
  }
  return byEdge;
}
