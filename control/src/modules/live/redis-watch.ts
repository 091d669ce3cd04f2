// Live messages through Redis: for each watched call, control keeps `invorto:watch:<callId>` alive (TTL 5 s,
// refreshed every 2 s; the edge polls it) and subscribes to `invorto:live:<tenantId>:<callId>`. The tenant is in
// the channel's name, so a watcher only ever hears its own tenant's call. If this control dies the keys expire and
// the edges stop streaming within 5 s.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ControlContext } from '../../context.ts';
import { liveHubFor, type LiveHub, type LiveSource } from './live-hub.ts';

export const WATCH_TTL_MS = 5000;
export const WATCH_REFRESH_MS = 2000;

const channelOf = (tenantId: string, callId: string) => `invorto:live:${tenantId}:${callId}`;
const watchKey = (callId: string) => `invorto:watch:${callId}`;

export class RedisWatch implements LiveSource {
  readonly #hub: LiveHub;
  readonly #log: Logger;
  readonly #commands: Redis;
  readonly #subscriber: Redis;
  readonly #timer: NodeJS.Timeout;

  constructor(redisUrl: string, hub: LiveHub, log: Logger) {
    this.#hub = hub;
    this.#log = log;
    this.#commands = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    this.#subscriber = new Redis(redisUrl, { maxRetriesPerRequest: null });
    for (const client of [this.#commands, this.#subscriber]) client.on('error', () => {});
    this.#subscriber.on('message', (_channel: string, text: string) => {
      try { hub.deliver(JSON.parse(text)); } catch { /* not a live message */ }
    });
    this.#timer = setInterval(() => this.#refresh(), WATCH_REFRESH_MS);
    this.#timer.unref();
  }

  watch(callId: string, tenantId: string): void {
    this.#subscriber.subscribe(channelOf(tenantId, callId)).catch((error: Error) => this.#failed('subscribe', error));
    this.#commands.set(watchKey(callId), '1', 'PX', WATCH_TTL_MS).catch((error: Error) => this.#failed('set watch key', error));
  }

  unwatch(callId: string, tenantId: string): void {
    this.#subscriber.unsubscribe(channelOf(tenantId, callId)).catch((error: Error) => this.#failed('unsubscribe', error));
    this.#commands.del(watchKey(callId)).catch((error: Error) => this.#failed('delete watch key', error));
  }

  #refresh(): void {
    const watched = this.#hub.watched();
    if (!watched.length) return;
    const batch = this.#commands.pipeline();
    for (const [callId] of watched) batch.set(watchKey(callId), '1', 'PX', WATCH_TTL_MS);
    batch.exec().catch((error: Error) => this.#failed('refresh watch keys', error));
  }

  #failed(what: string, error: Error): void {
    this.#log.warn({ err: error.message }, `live monitor: Redis ${what} failed`);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#commands.disconnect();
    this.#subscriber.disconnect();
  }
}

/** With Redis, this control's live hub also hears edges through it (start-control calls this once). */
export function watchLiveThroughRedis(ctx: ControlContext, redisUrl: string): void {
  const hub = liveHubFor(ctx);
  hub.addSource(new RedisWatch(redisUrl, hub, ctx.log));
}
