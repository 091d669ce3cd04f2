// Live messages over Redis pub/sub. Control sets `invorto:watch:<callId>` (TTL 5 s, refreshed every 2 s) while a
// browser watches; the edge reads the keys of its own calls with one MGET every 500 ms, so a control that dies
// stops the streaming within 5 s and no edge ever scans the keyspace.
import { Redis } from 'ioredis';
import type { Logger } from '../util/log.ts';
import { liveChannelName, watchKey, type LiveChannel, type LiveChannelHooks, type LiveChannelStats } from './live-channel.ts';
import type { LiveMessage } from './live-messages.ts';

export const WATCH_POLL_MS = 500;

export class RedisLiveChannel implements LiveChannel {
  readonly kind = 'redis';
  readonly stats: LiveChannelStats = { published: 0, dropped: 0 };
  readonly #redis: Redis;
  readonly #log: Logger;
  readonly #watched = new Set<string>();
  #hooks: LiveChannelHooks | null = null;
  #timer: NodeJS.Timeout | null = null;
  #polling = false;
  #failedLogged = false;

  constructor(redisUrl: string, log: Logger) {
    // No offline queue: a message that cannot go now is dropped, never held for later.
    this.#redis = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
    this.#redis.on('error', () => {}); // reported by the poll, once per outage
    this.#log = log;
  }

  start(hooks: LiveChannelHooks): void {
    this.#hooks = hooks;
    this.#timer = setInterval(() => void this.#poll(), WATCH_POLL_MS);
    this.#timer.unref();
  }

  watched(callId: string): boolean {
    return this.#watched.has(callId);
  }

  publish(message: LiveMessage): void {
    if (this.#redis.status !== 'ready') { this.stats.dropped++; return; }
    this.stats.published++;
    this.#redis.publish(liveChannelName(message.tenantId, message.callId), JSON.stringify(message)).catch(() => { this.stats.dropped++; });
  }

  async #poll(): Promise<void> {
    const hooks = this.#hooks;
    if (!hooks || this.#polling) return;
    const calls = [...hooks.activeCalls()];
    let flags: (string | null)[] = [];
    this.#polling = true;
    try {
      flags = calls.length && this.#redis.status === 'ready' ? await this.#redis.mget(calls.map(watchKey)) : [];
      this.#failedLogged = false;
    } catch (error) {
      if (!this.#failedLogged) this.#log.warn({ err: (error as Error).message }, 'live monitor: Redis unreachable, watched calls are not streamed (calls go on)');
      this.#failedLogged = true;
    } finally {
      this.#polling = false;
    }
    const now = new Set(calls.filter((_, i) => flags[i] != null));
    for (const callId of this.#watched) if (!now.has(callId)) { this.#watched.delete(callId); hooks.watchChanged(callId, false); }
    for (const callId of now) if (!this.#watched.has(callId)) { this.#watched.add(callId); hooks.watchChanged(callId, true); }
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#redis.disconnect();
  }
}
