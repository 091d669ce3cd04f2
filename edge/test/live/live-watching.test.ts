// Watching is paid only while someone watches: with the same calls on a real edge and a real Redis, nothing is
// published for unwatched calls, and watched ones stream about ten messages a second each (at least 9 in a 4 s
// window: the levels timer aims at fixed 100 ms marks, so a stall delays messages but does not drop them). What
// watching costs in CPU is measured by `invorto bench live` (a speed figure belongs in a benchmark, not in a timed
// test); this test prints one window's figure for information only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWatchRig, type WatchRig } from '../../testing/live/watch-rig.ts';
import { redisServerMissing, REDIS_SERVER_MISSING_REASON } from '../helpers/redis-server.ts';

const CALLS = 20;
const WINDOW_MS = 4000;

describe.skipIf(redisServerMissing)(`watching a call (${redisServerMissing ? REDIS_SERVER_MISSING_REASON : 'redis-server'})`, () => {
  let rig: WatchRig;
  beforeAll(async () => { rig = await startWatchRig(CALLS, 40_000); }, 60_000);
  afterAll(async () => { await rig?.close(); });

  it('publishes nothing for unwatched calls and about ten messages a second for each watched one', async () => {
    const window = await rig.measure(WINDOW_MS);
    console.log(`${CALLS} calls: ${window.messagesPerCallPerSecond.toFixed(1)} messages a second per watched call; watching cost ${window.perCallUs.toFixed(0)} µs CPU per call per second in this window (measure with invorto bench live)`);
    expect(window.publishedUnwatched, 'an unwatched call publishes nothing').toBe(0);
    expect(window.messagesPerCallPerSecond).toBeGreaterThanOrEqual(9);
  }, 60_000);
});
