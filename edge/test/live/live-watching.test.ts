// What watching a call costs its edge: the same calls run unwatched and watched in turns (watch keys set in a real
// Redis, live messages published to it), and the edge process's CPU time is compared. The callers run in this
// process too; they cost the same in both turns, so the difference is the live feed's.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintMediaToken } from '../../src/auth/media-token.ts';
import { startEdge, type RunningEdge } from '../../src/start-edge.ts';
import { silentLogger } from '../../src/util/log.ts';
import { placeTwilioCall, type CallerResult } from '../../src/sim/carrier-caller.ts';
import { silenceFrames } from '../../src/sim/caller-sounds.ts';
import { redisServerMissing, REDIS_SERVER_MISSING_REASON, startRedisServer, type RedisTestServer } from '../helpers/redis-server.ts';
import { until } from './live-setup.ts';

const CALLS = 20;
const WINDOW_MS = 4000;
const ROUNDS = 4;

describe.skipIf(redisServerMissing)(`the cost of watching (${redisServerMissing ? REDIS_SERVER_MISSING_REASON : 'redis-server'})`, () => {
  let redis: RedisTestServer;
  let client: Redis;
  let edge: RunningEdge;
  let dataDir: string;
  let calls: Promise<CallerResult>[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    client = new Redis(redis.url);
    dataDir = mkdtempSync(join(tmpdir(), 'invorto-live-cost-'));
    const mediaTokenSecret = randomBytes(16).toString('hex');
    edge = await startEdge({
      host: '127.0.0.1', port: 0, controlUrl: '', dataDir, internalToken: '', maxMessageBytes: 65536, mediaTokenSecret, maxCalls: CALLS + 5,
      noMediaTimeoutMs: 10_000, drainMs: 1000, redisUrl: redis.url, log: silentLogger,
      keys: { deepgramApiKey: '', deepgramBaseUrl: '', openaiApiKey: '', openaiBaseUrl: '', openaiModel: 'gpt-4o-mini' },
    });
    const token = mintMediaToken(mediaTokenSecret, { tenantId: 'default', agentId: 'demo', expiresAt: Date.now() / 1000 + 600 });
    const durationMs = 12_000 + ROUNDS * 2 * (WINDOW_MS + 1500);
    calls = Array.from({ length: CALLS }, () => placeTwilioCall({ url: `${edge.url.replace(/^http/, 'ws')}/media/twilio?token=${token}`, frames: silenceFrames(durationMs), quietHangupMs: 600_000, maxDurationMs: durationMs + 20_000 }));
    await until(() => edge.live!.callIds.length === CALLS, `${CALLS} calls on the edge`);
    await new Promise((r) => setTimeout(r, 10_000)); // past the greetings, whose TTS would weigh on the first window
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(calls);
    client?.disconnect();
    await edge?.close();
    await redis?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const cpuOver = async (ms: number) => {
    const before = process.cpuUsage();
    await new Promise((r) => setTimeout(r, ms));
    const used = process.cpuUsage(before);
    return used.user + used.system;
  };

  it('costs each watched call a stated number of microseconds of CPU per second of call', async () => {
    const ids = edge.live!.callIds;
    const costs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await client.del(...ids.map((id) => `invorto:watch:${id}`));
      await until(() => edge.live!.watchedCalls === 0, 'every call unwatched');
      const publishedBefore = edge.live!.channel.stats.published;
      await new Promise((r) => setTimeout(r, 1000));
      const unwatchedUs = await cpuOver(WINDOW_MS);
      expect(edge.live!.channel.stats.published - publishedBefore, 'an unwatched call publishes nothing').toBe(0);
      await client.mset(...ids.flatMap((id) => [`invorto:watch:${id}`, '1']));
      await until(() => edge.live!.watchedCalls === CALLS, 'every call watched');
      await new Promise((r) => setTimeout(r, 500));
      const published = edge.live!.channel.stats.published;
      const watchedUs = await cpuOver(WINDOW_MS);
      const perSecond = (edge.live!.channel.stats.published - published) / CALLS / (WINDOW_MS / 1000);
      const perCallUs = (watchedUs - unwatchedUs) / CALLS / (WINDOW_MS / 1000);
      costs.push(perCallUs);
      console.log(`round ${round + 1}: ${CALLS} calls, CPU ${(unwatchedUs / WINDOW_MS / 10).toFixed(1)} % of a core unwatched, ${(watchedUs / WINDOW_MS / 10).toFixed(1)} % watched: ${perCallUs.toFixed(0)} µs per watched call per second of call; ${perSecond.toFixed(1)} messages a second per call`);
      expect(perSecond).toBeGreaterThanOrEqual(9.5);
    }
    costs.sort((a, b) => a - b);
    console.log(`watching: median ${costs[Math.floor(costs.length / 2)].toFixed(0)} µs CPU per second of call (${costs.map((c) => c.toFixed(0)).join(', ')})`);
    // 2000 µs a second is 0.2 % of a core per watched call: the bound stated in docs/dashboard.md.
    expect(costs[Math.floor(costs.length / 2)]).toBeLessThan(2000);
  }, 120_000);
});
