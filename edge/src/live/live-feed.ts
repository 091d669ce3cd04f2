// The edge's live monitor: a LiveTap on every call the host starts, switched on and off by the live channel.
import type { CallHost } from '../server/call-host.ts';
import type { Logger } from '../util/log.ts';
import { ControlLiveChannel } from './control-live-channel.ts';
import type { LiveChannel } from './live-channel.ts';
import { LiveTap } from './live-tap.ts';
import { RedisLiveChannel } from './redis-live-channel.ts';

export interface LiveFeedOptions {
  host: CallHost;
  redisUrl?: string;
  controlUrl?: string;
  internalToken?: string;
  edgeId: string;
  log: Logger;
}

export class LiveFeed {
  readonly channel: LiveChannel;
  readonly #taps = new Map<string, LiveTap>();
  readonly #offStarted: () => void;

  constructor(host: CallHost, channel: LiveChannel) {
    this.channel = channel;
    this.#offStarted = host.on('callStarted', ({ call, tenantId }) => {
      const tap = new LiveTap(call, tenantId, (message) => channel.publish(message));
      this.#taps.set(call.id, tap);
      call.on('ended', ({ reason }) => { tap.end(reason); this.#taps.delete(call.id); });
      if (channel.watched(call.id)) tap.watch();
    });
    channel.start({
      activeCalls: () => this.#taps.keys(),
      watchChanged: (callId, watched) => {
        const tap = this.#taps.get(callId);
        if (watched) tap?.watch();
        else tap?.unwatch();
      },
    });
  }

  /** The calls on this edge now. */
  get callIds(): string[] {
    return [...this.#taps.keys()];
  }

  /** Calls being streamed now. */
  get watchedCalls(): number {
    let count = 0;
    for (const tap of this.#taps.values()) if (tap.watched) count++;
    return count;
  }

  async close(): Promise<void> {
    this.#offStarted();
    for (const tap of this.#taps.values()) tap.unwatch();
    await this.channel.close();
  }
}

/** The edge's live feed over Redis when it has Redis, else over control's internal API; none without either. */
export function openLiveFeed(options: LiveFeedOptions): LiveFeed | null {
  const { host, redisUrl, controlUrl, internalToken, edgeId, log } = options;
  if (redisUrl) return new LiveFeed(host, new RedisLiveChannel(redisUrl, log));
  if (controlUrl && internalToken) return new LiveFeed(host, new ControlLiveChannel({ controlUrl, internalToken, edgeId, log }));
  return null;
}
