// Calls on a real edge whose live feed goes to a real redis-server, watched and unwatched in turns the way control
// does it (the `invorto:watch:<call>` keys). The live-feed test checks what is published each way; `invorto bench
// live` measures what watching costs the edge in CPU. The callers run in the same process and cost the same either
// way, so the difference between the two windows is the live feed's.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { mintMediaToken } from '../../src/auth/media-token.ts';
import { startEdge, type RunningEdge } from '../../src/start-edge.ts';
import { silentLogger } from '../../src/util/log.ts';
import { placeTwilioCall, type CallerResult } from '../../src/sim/carrier-caller.ts';
import { silenceFrames } from '../../src/sim/caller-sounds.ts';
import { startRedisServer, type RedisTestServer } from '../../test/helpers/redis-server.ts';
import { until } from '../../test/live/live-setup.ts';

export interface WatchWindow {
  /** Edge process CPU over the window (µs), every call unwatched, then every call watched. */
  unwatchedUs: number;
  watchedUs: number;
  /** Live messages published while nobody watched (must be 0), and a second per watched call. */
  publishedUnwatched: number;
  messagesPerCallPerSecond: number;
  /** The extra CPU of watching, per watched call per second of call. */
  perCallUs: number;
}

export interface WatchRig {
  calls: number;
  /** One unwatched window, then one watched window, each `windowMs` long. */
  measure(windowMs: number): Promise<WatchWindow>;
  close(): Promise<void>;
}

const cpuOver = async (ms: number) => {
  const before = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const used = process.cpuUsage(before);
  return used.user + used.system;
};

/** Starts redis-server, an edge and `calls` silent calls lasting `callMs`, and waits past their greetings. */
export async function startWatchRig(calls: number, callMs: number): Promise<WatchRig> {
  const redis: RedisTestServer = await startRedisServer();
  const client = new Redis(redis.url);
  const dataDir = mkdtempSync(join(tmpdir(), 'invorto-live-watch-'));
  const mediaTokenSecret = randomBytes(16).toString('hex');
  const edge: RunningEdge = await startEdge({
    host: '127.0.0.1', port: 0, controlUrl: '', dataDir, internalToken: '', maxMessageBytes: 65536, mediaTokenSecret, maxCalls: calls + 5,
    noMediaTimeoutMs: 10_000, drainMs: 1000, redisUrl: redis.url, log: silentLogger,
    keys: { deepgramApiKey: '', deepgramBaseUrl: '', openaiApiKey: '', openaiBaseUrl: '', openaiModel: 'gpt-4o-mini' },
  });
  const token = mintMediaToken(mediaTokenSecret, { tenantId: 'default', agentId: 'demo', expiresAt: Date.now() / 1000 + 3600 });
  const callers: Promise<CallerResult>[] = Array.from({ length: calls }, () => placeTwilioCall({
    url: `${edge.url.replace(/^http/, 'ws')}/media/twilio?token=${token}`, frames: silenceFrames(callMs), quietHangupMs: 3_600_000, maxDurationMs: callMs + 20_000,
  }));
  const live = edge.live!;
  await until(() => live.callIds.length === calls, `${calls} calls on the edge`);
  await new Promise((resolve) => setTimeout(resolve, 10_000)); // past the greetings, whose TTS would weigh on the first window
  const keys = () => live.callIds.map((id) => `invorto:watch:${id}`);
  return {
    calls,
    async measure(windowMs) {
      await client.del(...keys());
      await until(() => live.watchedCalls === 0, 'every call unwatched');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const before = live.channel.stats.published;
      const unwatchedUs = await cpuOver(windowMs);
      const publishedUnwatched = live.channel.stats.published - before;
      await client.mset(...keys().flatMap((key) => [key, '1']));
      await until(() => live.watchedCalls === calls, 'every call watched');
      await new Promise((resolve) => setTimeout(resolve, 500));
      const published = live.channel.stats.published;
      const watchedUs = await cpuOver(windowMs);
      const seconds = windowMs / 1000;
      return {
        unwatchedUs, watchedUs, publishedUnwatched,
        messagesPerCallPerSecond: (live.channel.stats.published - published) / calls / seconds,
        perCallUs: (watchedUs - unwatchedUs) / calls / seconds,
      };
    },
    async close() {
      await edge.close(); // ends the calls; their callers then finish
      await Promise.allSettled(callers);
      client.disconnect();
      await redis.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
