// The Redis Streams timeline against a real redis-server on loopback: 50 calls publish through one sink while Redis
// is frozen for 30 s, and every event lands exactly once, in order; a killed Redis comes back and the spool drains;
// a consumer killed mid-batch has its entries claimed by another; failures and garbage go to the dead-letter stream.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v1 } from '@invorto/proto';
import { EmbeddedLog } from '@invorto/timeline/embedded-log.ts';
import { RedisTimelineReader } from '@invorto/timeline/redis-reader.ts';
import { RedisTimelineSink, type RedisSinkOptions } from '@invorto/timeline/redis-sink.ts';
import type { TimelineEntry } from '@invorto/timeline/timeline-log.ts';
import { REDIS_SERVER_MISSING_REASON, redisServerMissing, startRedisServer, type RedisTestServer } from './helpers/redis-server.ts';

const READER_MODULE = fileURLToPath(new URL('../../proto/timeline/src/redis-reader.ts', import.meta.url));

/** A real CallEvent: started first, ended last, transcripts between. */
function callEvent(callId: string, seq: number, last: number): Uint8Array {
  const kind = seq === 1 ? { callStarted: { transport: 'twilio', codec: 'PCMU', sampleRateHz: 8000 } }
    : seq === last ? { callEnded: { reason: 'caller_hangup', durationS: 40 } }
    : { transcript: { text: `utterance ${seq} of ${callId}`, isFinal: true, confidence: 0.9, speaker: seq % 2 ? 'caller' : 'agent' } };
  return v1.CallEvent.encode(v1.CallEvent.create({ callId, seq, tsMs: Date.now(), tenantId: 't1', agentId: 'a1', ...kind })).finish();
}

function watch(sink: RedisTimelineSink) {
  const seen = { published: 0, spooled: 0, replayed: 0, dropped: 0, backlog: 0, errors: [] as string[] };
  sink.on('published', (e) => (seen.published += e.events));
  sink.on('spooled', (e) => (seen.spooled += e.events));
  sink.on('replayed', (e) => (seen.replayed += e.events));
  sink.on('dropped', (e) => (seen.dropped += e.events));
  sink.on('backlog', (e) => (seen.backlog = e.events));
  sink.on('error', (e) => seen.errors.push(e.message));
  return seen;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every stream entry's (call, seq), in stream order. */
async function streamCalls(redis: Redis, key: string): Promise<{ call: string; seq: number }[]> {
  const entries = await redis.xrange(key, '-', '+');
  return entries.map(([, fields]) => ({ call: fields[fields.indexOf('call') + 1], seq: Number(fields[fields.indexOf('seq') + 1]) }));
}

/** Each expected (call, seq) exactly once, and each call's seqs rising in stream order. */
function expectExactlyOnceInOrder(stored: { call: string; seq: number }[], eventsPerCall: Map<string, number>): void {
  const copies = new Map<string, number>();
  const lastSeq = new Map<string, number>();
  let outOfOrder = 0;
  for (const { call, seq } of stored) {
    copies.set(`${call}#${seq}`, (copies.get(`${call}#${seq}`) ?? 0) + 1);
    if (seq <= (lastSeq.get(call) ?? 0)) outOfOrder += 1;
    lastSeq.set(call, seq);
  }
  const expected = [...eventsPerCall].flatMap(([call, n]) => Array.from({ length: n }, (_, i) => `${call}#${i + 1}`));
  expect(expected.filter((k) => copies.get(k) !== 1)).toEqual([]);
  expect(stored.length).toBe(expected.length);
  expect(outOfOrder).toBe(0);
}

/** Appends each call's events at its own pace, interleaved, following a schedule; resolves when all are appended. */
function publishCalls(sink: RedisTimelineSink, schedule: { atMs: number; callId: string; seq: number; last: number }[]): Promise<void> {
  const sorted = [...schedule].sort((a, b) => a.atMs - b.atMs);
  const startedMs = performance.now();
  let next = 0;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const elapsedMs = performance.now() - startedMs;
      for (; next < sorted.length && sorted[next].atMs <= elapsedMs; next += 1) {
        const { callId, seq, last } = sorted[next];
        sink.append(callId, seq, callEvent(callId, seq, last));
      }
      if (next === sorted.length) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
}

/** calls × events spread evenly over spanMs, each call starting a little later than the one before. */
function scheduleCalls(prefix: string, calls: number, eventsOf: (i: number) => number, spanMs: number) {
  const perCall = new Map<string, number>();
  const schedule: { atMs: number; callId: string; seq: number; last: number }[] = [];
  for (let i = 0; i < calls; i += 1) {
    const callId = `${prefix}-${i}`;
    const events = eventsOf(i);
    const startMs = (i / calls) * spanMs * 0.1;
    const stepMs = (spanMs - startMs) / events;
    perCall.set(callId, events);
    for (let seq = 1; seq <= events; seq += 1) schedule.push({ atMs: startMs + (seq - 1) * stepMs, callId, seq, last: events });
  }
  return { perCall, schedule };
}

describe.skipIf(redisServerMissing)(redisServerMissing ? `Redis Streams timeline: ${REDIS_SERVER_MISSING_REASON}` : 'Redis Streams timeline', () => {
  let server: RedisTestServer;
  let redis: Redis;
  let dir: string;
  const sinkOptions = (name: string, extra: Partial<RedisSinkOptions> = {}): RedisSinkOptions =>
    ({ url: server.url, streamKey: `timeline:${name}`, spoolFile: join(dir, `${name}.spool`), ...extra });

  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url);
    dir = mkdtempSync(join(tmpdir(), 'invorto-timeline-redis-'));
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('50 calls through one sink while Redis is frozen for 30 s: every event stored once, in order', async () => {
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const { perCall, schedule } = scheduleCalls('call', 50, () => 20 + Math.floor(random() * 21), 45_000);
    const sink = new RedisTimelineSink(sinkOptions('frozen'));
    const seen = watch(sink);
    const timers: NodeJS.Timeout[] = [];
    let thawedAtMs = 0;
    let drainMs = -1;
    sink.on('backlog', (e) => { if (e.events === 0 && thawedAtMs > 0 && drainMs < 0) drainMs = performance.now() - thawedAtMs; });
    try {
      timers.push(setTimeout(() => server.stop(), 8_000));
      timers.push(setTimeout(() => { server.cont(); thawedAtMs = performance.now(); }, 38_000));
      await publishCalls(sink, schedule);
      await sink.flush();
      await until(() => sink.backlog === 0, 20_000, 'the spool to drain');
      const stored = await streamCalls(redis, 'timeline:frozen');
      expectExactlyOnceInOrder(stored, perCall);
      expect(seen.spooled).toBeGreaterThan(0);
      expect(seen.replayed).toBe(seen.spooled);
      expect(seen.published + seen.spooled).toBe(schedule.length);
      expect(seen).toMatchObject({ dropped: 0, backlog: 0 });
      expect(seen.errors.some((m) => m.includes('Command timed out'))).toBe(true);
      console.info(`frozen Redis: ${schedule.length} events from ${perCall.size} calls; published directly ${seen.published}, spooled ${seen.spooled}, ` +
        `replayed ${seen.replayed}, stale or replayed duplicates skipped by the script ${sink.duplicatesSkipped}, stored ${stored.length}, ` +
        `spool drained ${(drainMs / 1000).toFixed(1)} s after SIGCONT`);
    } finally {
      for (const timer of timers) clearTimeout(timer);
      server.cont();
      await sink.close();
    }
  }, 90_000);

  it('a Redis killed and restarted on the same port gets the events written while it was down', async () => {
    const persistent = await startRedisServer({ persistent: true });
    const check = new Redis(persistent.url, { lazyConnect: true });
    const { perCall, schedule } = scheduleCalls('killed', 10, () => 30, 6_000);
    const sink = new RedisTimelineSink(sinkOptions('killed', { url: persistent.url }));
    const seen = watch(sink);
    try {
      const publishing = publishCalls(sink, schedule);
      await new Promise((r) => setTimeout(r, 2_000));
      await persistent.kill();
      await new Promise((r) => setTimeout(r, 2_000));
      await persistent.restart();
      await publishing;
      await sink.flush();
      await until(() => sink.backlog === 0, 20_000, 'the spool to drain');
      expectExactlyOnceInOrder(await streamCalls(check, 'timeline:killed'), perCall);
      expect(seen.spooled).toBeGreaterThan(0);
      expect(seen.replayed).toBe(seen.spooled);
      console.info(`killed Redis: ${schedule.length} events; published ${seen.published}, spooled ${seen.spooled}, replayed ${seen.replayed}`);
    } finally {
      await sink.close();
      check.disconnect();
      await persistent.close();
    }
  }, 60_000);

  it('a spool left by a process that could not reach Redis is replayed by the next one; no error names the password', async () => {
    const spoolFile = join(dir, 'leftover.spool');
    const first = new RedisTimelineSink({ url: 'redis://:s3cret-pass@127.0.0.1:1', streamKey: 'timeline:leftover', spoolFile });
    const firstSeen = watch(first);
    for (let seq = 1; seq <= 20; seq += 1) first.append('leftover-call', seq, callEvent('leftover-call', seq, 20));
    await first.close();
    expect(firstSeen).toMatchObject({ spooled: 20, backlog: 20, published: 0 });
    expect(firstSeen.errors.length).toBeGreaterThan(0);
    expect(firstSeen.errors.filter((m) => m.includes('s3cret'))).toEqual([]);
    // The spool is an embedded-log file; a crash mid-write leaves a torn record the next process must cut.
    expect(EmbeddedLog.read(spoolFile)).toHaveLength(20);
    appendFileSync(spoolFile, Buffer.from([200, 0, 0, 0, 1, 2, 3]));

    const second = new RedisTimelineSink(sinkOptions('leftover', { spoolFile }));
    const secondSeen = watch(second);
    try {
      await until(() => second.backlog === 0, 10_000, 'the leftover spool to drain');
      expect(secondSeen.replayed).toBe(20);
      expectExactlyOnceInOrder(await streamCalls(redis, 'timeline:leftover'), new Map([['leftover-call', 20]]));
      expect(statSync(spoolFile).size).toBe(0);
    } finally {
      await second.close();
    }
  });

  it('a full spool drops new events and says so', async () => {
    const sink = new RedisTimelineSink({ url: 'redis://127.0.0.1:1', streamKey: 'timeline:full', spoolFile: join(dir, 'full.spool'), spoolMaxBytes: 1000 });
    const seen = watch(sink);
    const reasons: string[] = [];
    sink.on('dropped', (e) => reasons.push(e.reason));
    for (let seq = 1; seq <= 40; seq += 1) sink.append('full-call', seq, callEvent('full-call', seq, 40));
    await sink.close();
    expect(seen.spooled).toBeGreaterThan(0);
    expect(seen.spooled + seen.dropped).toBe(40);
    expect(statSync(join(dir, 'full.spool')).size).toBeLessThanOrEqual(1000);
    expect(reasons[0]).toMatch(/full\.spool is full \(1000 bytes\); raise spoolMaxBytes/);
  });

  it('entries a consumer held when it was killed mid-batch are claimed and processed by another', async () => {
    const key = 'timeline:claim';
    const sink = new RedisTimelineSink(sinkOptions('claim'));
    for (let seq = 1; seq <= 30; seq += 1) sink.append('claim-call', seq, callEvent('claim-call', seq, 30));
    await sink.close();

    // Consumer A in its own process reads one batch of 10 and is SIGKILLed before it can ack.
    const childCode = `
      import { RedisTimelineReader } from ${JSON.stringify(READER_MODULE)};
      const reader = new RedisTimelineReader({ url: process.env.REDIS_URL, streamKey: ${JSON.stringify(key)} });
      reader.consumer({ group: 'workers', consumer: 'a', batch: 10 }).start(async (entries) => {
        process.stdout.write(JSON.stringify(entries.map((e) => e.id)) + '\\n', () => process.kill(process.pid, 'SIGKILL'));
        await new Promise(() => {});
      });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', childCode], {
      env: { ...process.env, REDIS_URL: server.url }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const killTimer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const consumerB = new RedisTimelineReader({ url: server.url, streamKey: key }).consumer({ group: 'workers', consumer: 'b', batch: 10, claimIdleMs: 1000 });
    try {
      const signal = await new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
      expect(signal, output).toBe('SIGKILL');
      const heldByA: string[] = JSON.parse(output.trim().split('\n')[0]);
      expect(heldByA).toHaveLength(10);
      expect((await redis.xpending(key, 'workers'))[0]).toBe(10);

      const processed = new Map<string, number>();
      consumerB.start(async (entries) => { for (const e of entries) processed.set(e.id, (processed.get(e.id) ?? 0) + 1); });
      await until(async () => processed.size === 30 && (await redis.xpending(key, 'workers'))[0] === 0, 15_000, 'consumer B to process all 30');
      expect([...processed.values()].every((n) => n === 1)).toBe(true);
      expect(heldByA.every((id) => processed.has(id))).toBe(true);
    } finally {
      clearTimeout(killTimer);
      child.kill('SIGKILL');
      await consumerB.close();
    }
  });

  it('an entry that always fails is dead-lettered after maxAttempts; the rest are processed once', async () => {
    const key = 'timeline:dead';
    const sink = new RedisTimelineSink(sinkOptions('dead'));
    for (let seq = 1; seq <= 10; seq += 1) sink.append('dead-call', seq, callEvent('dead-call', seq, 10));
    await sink.close();
    const reader = new RedisTimelineReader({ url: server.url, streamKey: key });
    const consumer = reader.consumer({ group: 'workers', consumer: 'c', batch: 4, claimIdleMs: 200, maxAttempts: 3 });
    const handled = new Map<number, number>();
    try {
      consumer.start(async (entries) => {
        for (const e of entries) handled.set(e.seq, (handled.get(e.seq) ?? 0) + 1);
        return { failed: entries.filter((e) => e.seq === 4).map((e) => e.id) };
      });
      await until(async () => (await reader.deadLetters()).length === 1, 10_000, 'the failing entry to be dead-lettered');
      const [dead] = await reader.deadLetters();
      expect(dead).toMatchObject({ callId: 'dead-call', seq: 4, group: 'workers', attempts: 3, error: 'the handler reported this entry as failed' });
      expect(v1.CallEvent.decode(dead.event).seq).toBe(4);
      expect(handled.get(4)).toBe(3);
      expect([...handled].filter(([seq]) => seq !== 4).map(([, n]) => n)).toEqual(Array(9).fill(1));
      await until(async () => (await redis.xpending(key, 'workers'))[0] === 0, 5_000, 'nothing pending');
    } finally {
      await consumer.close();
      await reader.close();
    }
  });

  it("callTimeline returns one call's events in seq order without duplicates", async () => {
    const key = 'timeline:replay';
    const sink = new RedisTimelineSink(sinkOptions('replay'));
    for (let seq = 1; seq <= 10; seq += 1) {
      sink.append('replay-a', seq, callEvent('replay-a', seq, 10));
      if (seq <= 5) sink.append('replay-b', seq, callEvent('replay-b', seq, 5));
    }
    await sink.close();
    // A duplicate the script would have refused, written by hand as another writer might.
    await redis.xadd(key, '*', 'call', 'replay-a', 'seq', '3', 'ev', Buffer.from(callEvent('replay-a', 3, 10)));
    const reader = new RedisTimelineReader({ url: server.url, streamKey: key });
    try {
      const stored = (await streamCalls(redis, key)).filter((e) => e.call === 'replay-a');
      expect(stored).toHaveLength(11);
      const timeline: TimelineEntry[] = await reader.callTimeline('replay-a');
      expect(timeline.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(timeline.every((e) => v1.CallEvent.decode(e.event).callId === 'replay-a')).toBe(true);
      console.info(`callTimeline: replay-a has ${stored.length - 10} duplicate in the stream, ${timeline.length - new Set(timeline.map((e) => e.seq)).size} after de-dup`);
    } finally {
      await reader.close();
    }
  });

  it('malformed entries are dead-lettered with a clear error and do not stop the consumer', async () => {
    const key = 'timeline:bad';
    const sink = new RedisTimelineSink(sinkOptions('bad'));
    for (let seq = 1; seq <= 4; seq += 1) sink.append('bad-a', seq, callEvent('bad-a', seq, 4));
    await sink.flush();
    await redis.xadd(key, '*', 'call', 'bad-x', 'seq', '1', 'ev', 'not a protobuf');
    await redis.xadd(key, '*', 'foo', 'bar');
    for (let seq = 1; seq <= 4; seq += 1) sink.append('bad-b', seq, callEvent('bad-b', seq, 4));
    await sink.close();
    const reader = new RedisTimelineReader({ url: server.url, streamKey: key });
    const consumer = reader.consumer({ group: 'workers', consumer: 'c', batch: 3 });
    const handled: string[] = [];
    try {
      consumer.start(async (entries) => { for (const e of entries) handled.push(`${e.callId}#${e.seq}`); });
      await until(async () => handled.length === 8 && (await reader.deadLetters()).length === 2, 10_000, 'all entries handled or dead-lettered');
      expect(handled.sort()).toEqual(['bad-a#1', 'bad-a#2', 'bad-a#3', 'bad-a#4', 'bad-b#1', 'bad-b#2', 'bad-b#3', 'bad-b#4']);
      const dead = await reader.deadLetters();
      expect(dead[0]).toMatchObject({ callId: 'bad-x', seq: 1, attempts: 1, error: expect.stringMatching(/ev is not a protobuf CallEvent/) });
      expect(dead[1]).toMatchObject({ callId: '', attempts: 1, error: expect.stringMatching(/lacks the field\(s\) call, seq, ev/) });
      await until(async () => (await redis.xpending(key, 'workers'))[0] === 0, 5_000, 'nothing pending');
    } finally {
      await consumer.close();
      await reader.close();
    }
  });
});
