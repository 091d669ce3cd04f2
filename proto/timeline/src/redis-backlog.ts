// A consumer group's backlog on Redis, from one XINFO GROUPS: O(number of groups), cheap enough for every scrape.
import type { Redis } from 'ioredis';
import type { GroupBacklog } from './timeline-log.ts';

/** `lag` (Redis 7+) is nil when Redis cannot tell (entries deleted mid-stream): then `unread` is left out. */
export async function redisGroupBacklog(redis: Redis, streamKey: string, group: string): Promise<GroupBacklog> {
  let groups: unknown[][];
  try {
    groups = (await redis.call('XINFO', 'GROUPS', streamKey)) as unknown[][];
  } catch (error) {
    // No stream yet: nothing was ever written, so nothing is behind.
    if (error instanceof Error && /no such key/i.test(error.message)) return { pending: 0, unread: 0 };
    throw error;
  }
  for (const flat of groups) {
    const info = new Map<string, unknown>();
    for (let i = 0; i + 1 < flat.length; i += 2) info.set(String(flat[i]), flat[i + 1]);
    if (info.get('name') !== group) continue;
    const lag = info.get('lag');
    return { pending: Number(info.get('pending') ?? 0), ...(typeof lag === 'number' ? { unread: lag } : {}) };
  }
  return { pending: 0 };
}
