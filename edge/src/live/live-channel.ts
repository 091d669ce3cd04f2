// How live messages leave the edge and how it learns which calls are watched: Redis pub/sub when the edge has Redis
// (every control replica can subscribe), else a WebSocket to control's internal API. Both behind this one interface.
import type { LiveMessage } from './live-messages.ts';

export interface LiveChannelHooks {
  /** The calls on this edge now (the Redis channel asks which of them are watched). */
  activeCalls(): Iterable<string>;
  /** Someone started or stopped watching a call on this edge. */
  watchChanged(callId: string, watched: boolean): void;
}

export interface LiveChannelStats {
  /** Messages handed to Redis or to control's socket. */
  published: number;
  /** Messages dropped because the channel was down or backed up (a live view may skip; a call never waits). */
  dropped: number;
}

export interface LiveChannel {
  readonly kind: 'redis' | 'control';
  readonly stats: LiveChannelStats;
  start(hooks: LiveChannelHooks): void;
  /** Whether a call is watched now (asked when a call starts, for a watch that came first). */
  watched(callId: string): boolean;
  publish(message: LiveMessage): void;
  close(): Promise<void>;
}

/** Redis keys both sides agree on (control's live module spells them the same). */
export const liveChannelName = (tenantId: string, callId: string) => `invorto:live:${tenantId}:${callId}`;
export const watchKey = (callId: string) => `invorto:watch:${callId}`;
