// The live monitor end to end, over both live channels (Redis pub/sub; the edge's socket to control): a real edge
// holding simulated Twilio calls, a real control, and browser-side sockets on GET /v1/live. A watched call streams
// its levels at ten a second (rising when the caller speaks), its transcript, states and turn latencies; an
// unwatched call publishes nothing; another tenant gets an error and no data; losing control does not touch a call.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeTwilioCall, type CallerResult } from '../../src/sim/carrier-caller.ts';
import { silenceFrames, speechFrames } from '../../src/sim/caller-sounds.ts';
import { redisServerMissing } from '../helpers/redis-server.ts';
import { liveCallId, startLiveRig, until, Watcher, type LiveRig, type Transport } from './live-setup.ts';

const transports: Transport[] = redisServerMissing ? ['control'] : ['redis', 'control'];

describe.each(transports)('the live monitor over %s', (transport) => {
  let rig: LiveRig;
  let watcher: Watcher;
  let stranger: Watcher;
  let watchedId = '';
  let unwatchedId = '';
  let publishedBeforeWatch = -1;
  let publishesOnUnwatched = 0;
  let monitor: Redis | null = null;
  let monitored: Redis | null = null;
  let calls: Promise<CallerResult>[] = [];
  let speechStartMs = 0;

  beforeAll(async () => {
    rig = await startLiveRig(transport);
    if (rig.redis) {
      // Redis's own record of every PUBLISH: the count for the unwatched call does not depend on the edge's word.
      monitor = new Redis(rig.redis.url);
      monitored = await monitor.monitor();
      monitored.on('monitor', (_time: string, args: string[]) => {
        if (args[0]?.toLowerCase() === 'publish' && unwatchedId && args[1]?.endsWith(`:${unwatchedId}`)) publishesOnUnwatched++;
      });
    }
    const question = await speechFrames('What are your opening hours?');
    // The unwatched call: silence the whole time. The watched one: the greeting waited out, then a question.
    calls.push(placeTwilioCall({ url: rig.mediaUrl, frames: silenceFrames(14_000), quietHangupMs: 60_000, maxDurationMs: 40_000 }));
    unwatchedId = await liveCallId(rig.control);
    const callStartedMs = performance.now();
    calls.push(placeTwilioCall({ url: rig.mediaUrl, frames: [...silenceFrames(7000), ...question, ...silenceFrames(500)], quietHangupMs: 2500, maxDurationMs: 40_000 }));
    speechStartMs = callStartedMs + 7000;
    watchedId = await liveCallId(rig.control, [unwatchedId]);
    await new Promise((r) => setTimeout(r, 1000)); // both calls running, nobody watching
    publishedBeforeWatch = rig.edge.live!.channel.stats.published;

    const other = await rig.control.newTenant();
    stranger = new Watcher(rig.control.url, other.apiKey);
    await stranger.opened;
    stranger.send({ watch: watchedId });
    watcher = new Watcher(rig.control.url, rig.control.apiKey);
    await watcher.opened;
    watcher.send({ watch: watchedId });
    const results = await Promise.all(calls.slice(1));
    expect(results[0].closeCode).toBe(1000);
    await until(() => watcher.of('ended').length > 0, 'the ended message');
  }, 90_000);

  afterAll(async () => {
    watcher?.close();
    stranger?.close();
    await Promise.allSettled(calls);
    monitored?.disconnect();
    monitor?.disconnect();
    await rig?.close();
  });

  it('publishes nothing while nobody watches', () => {
    expect(publishedBeforeWatch).toBe(0);
    if (monitor) expect(publishesOnUnwatched).toBe(0);
  });

  it('streams levels at least ten times a second, rising when the caller speaks', () => {
    const levels = watcher.of('levels');
    const spanS = (levels.at(-1)!.atMs - levels[0].atMs) / 1000;
    const perSecond = (levels.length - 1) / spanS;
    console.log(`${transport}: ${levels.length} level messages over ${spanS.toFixed(1)} s: ${perSecond.toFixed(2)} a second`);
    expect(perSecond).toBeGreaterThanOrEqual(9.8);
    // No second of the call without its ten messages (the worst one-second window).
    let worst = Infinity;
    for (const first of levels) {
      if (first.atMs + 1000 > levels.at(-1)!.atMs) break;
      worst = Math.min(worst, levels.filter((l) => l.atMs >= first.atMs && l.atMs < first.atMs + 1000).length);
    }
    expect(worst).toBeGreaterThanOrEqual(9);
    const callerDb = (from: number, to: number) => levels.filter((l) => l.atMs >= from && l.atMs < to).map((l) => l.message.callerDb as number);
    const beforeSpeech = callerDb(levels[0].atMs, speechStartMs - 200);
    const duringSpeech = callerDb(speechStartMs + 200, speechStartMs + 1500);
    expect(beforeSpeech.length).toBeGreaterThan(5);
    expect(Math.max(...beforeSpeech)).toBeLessThan(-60);
    expect(Math.max(...duringSpeech)).toBeGreaterThan(-35);
    // The agent's greeting and answer move the other meter.
    expect(Math.max(...levels.map((l) => l.message.agentDb as number))).toBeGreaterThan(-40);
  });

  it('streams interim and final transcripts, states and the turn latency', () => {
    const transcripts = watcher.of('transcript').map((r) => r.message);
    expect(transcripts.some((t) => !t.isFinal)).toBe(true);
    expect(transcripts.filter((t) => t.isFinal).map((t) => t.text).join(' ')).toMatch(/opening hours/i);
    const states = watcher.of('state').map((r) => r.message.state);
    expect(states).toEqual(expect.arrayContaining(['LISTENING', 'PROCESSING', 'SPEAKING']));
    const turn = watcher.of('turn').find((r) => r.message.latencyMs !== null)!.message;
    expect(turn.latencyMs).toBeGreaterThan(0);
    expect(turn.latencyMs).toBeLessThan(5000);
    expect(watcher.received.every((r) => !('tenantId' in r.message))).toBe(true);
    expect(new Set(watcher.received.filter((r) => r.message.callId).map((r) => r.message.callId))).toEqual(new Set([watchedId]));
  });

  it("refuses another tenant's call with an error and sends it no data", () => {
    expect(stranger.received.map((r) => r.message)).toEqual([{ type: 'error', callId: watchedId, message: `no call ${watchedId} in this tenant` }]);
  });

  it('refuses a socket without a credential', async () => {
    const bare = new Watcher(rig.control.url, 'not-a-key');
    await expect(bare.opened).rejects.toThrow(/401/);
  });
});
