// The embedded timeline (no Redis): a kill -9 loses no acknowledged event and leaves a readable log; consumer groups
// claim what a stalled consumer held, retry and dead-letter failures, skip malformed records, and replay a call in
// order.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { v1 } from '@invorto/proto';
import { EmbeddedLog } from '@invorto/timeline/embedded-log.ts';
import { EmbeddedTimelineReader } from '@invorto/timeline/embedded-reader.ts';
import type { TimelineEntry } from '@invorto/timeline/timeline-log.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'invorto-timeline-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => { for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true }); });

const encode = (callId: string, seq: number) => v1.CallEvent.encode(v1.CallEvent.create({ callId, seq, tsMs: Date.now(), stateChanged: { from: 'A', to: 'B', reason: `step ${seq}` } })).finish();
const seqsOf = (records: Uint8Array[]) => records.map((r) => v1.CallEvent.decode(r).seq);

async function writeCalls(file: string, calls: string[], perCall: number): Promise<void> {
  const log = new EmbeddedLog(file);
  for (let seq = 1; seq <= perCall; seq++) for (const callId of calls) log.append(callId, seq, encode(callId, seq));
  await log.close();
}

describe('the embedded timeline log', () => {
  it('survives kill -9: every acknowledged event is there, in order, and the log takes appends again', async () => {
    const file = join(tempDir(), 'events.log');
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/timeline-writer.ts'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let acked = 0;
    await new Promise<void>((resolve, reject) => {
      child.on('exit', () => resolve());
      child.on('error', reject);
      child.stdout.on('data', (chunk: Buffer) => {
        const last = /acked (\d+)\n?$/.exec(chunk.toString().trim());
        if (last) acked = Number(last[1]);
        if (acked >= 20_000 && !child.killed) child.kill('SIGKILL');
      });
    });
    expect(child.signalCode).toBe('SIGKILL');
    const seqs = seqsOf(EmbeddedLog.read(file));
    expect(seqs.length).toBeGreaterThanOrEqual(acked);
    expect(seqs.every((seq, i) => seq === i + 1)).toBe(true); // no gap, no duplicate, in order

    const reopened = new EmbeddedLog(file);
    reopened.append('kill-test', seqs.length + 1, encode('kill-test', seqs.length + 1));
    await reopened.close();
    expect(seqsOf(EmbeddedLog.read(file)).at(-1)).toBe(seqs.length + 1);
  });

  it('events appended over several loop turns share one write; flush() does not wait for the linger', async () => {
    const file = join(tempDir(), 'events.log');
    const log = new EmbeddedLog(file, { lingerMs: 2000 });
    const batches: number[] = [];
    log.on('published', ({ events }) => batches.push(events));
    for (let seq = 1; seq <= 10; seq++) {
      log.append('c1', seq, encode('c1', seq));
      await new Promise((resolve) => setImmediate(resolve)); // one event per loop turn, as calls produce them
    }
    const startedMs = performance.now();
    await log.flush();
    expect(performance.now() - startedMs).toBeLessThan(1000);
    expect(batches).toEqual([10]);
    await log.close();
    expect(seqsOf(EmbeddedLog.read(file))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('a torn record at the end (a crash mid-write) is ignored, then cut off when the log is opened', async () => {
    const file = join(tempDir(), 'events.log');
    await writeCalls(file, ['c1'], 3);
    appendFileSync(file, Buffer.from([200, 0, 0, 0, 1, 2, 3])); // a header promising 200 bytes, then 3
    expect(seqsOf(EmbeddedLog.read(file))).toEqual([1, 2, 3]);
    const log = new EmbeddedLog(file);
    log.append('c1', 4, encode('c1', 4));
    await log.close();
    expect(seqsOf(EmbeddedLog.read(file))).toEqual([1, 2, 3, 4]);
  });
});

describe('consumer groups on the embedded log', () => {
  it('another consumer claims what a stalled consumer held; every event is handled, the group commits to the end', async () => {
    const dir = tempDir();
    await writeCalls(join(dir, 'events.log'), ['c1', 'c2', 'c3'], 20);
    const reader = new EmbeddedTimelineReader(dir);
    const stalled = reader.consumer({ group: 'control', consumer: 'a', batch: 25, claimIdleMs: 400 });
    let stalledGot = 0;
    stalled.start(async (entries) => { stalledGot += entries.length; await new Promise(() => {}); }); // dies mid-batch
    await until(() => stalledGot > 0);
    await stalled.close();

    const handled = new Map<string, number>();
    const healthy = reader.consumer({ group: 'control', consumer: 'b', batch: 25, claimIdleMs: 400 });
    healthy.start(async (entries) => { for (const e of entries) handled.set(`${e.callId}/${e.seq}`, (handled.get(`${e.callId}/${e.seq}`) ?? 0) + 1); });
    await until(() => handled.size === 60);
    await healthy.close();
    expect(stalledGot).toBe(25);
    expect([...handled.values()].every((n) => n === 1)).toBe(true);
    const committed = JSON.parse(readFileSync(join(dir, 'groups', 'control.json'), 'utf8')) as Record<string, number>;
    expect(committed['events.log']).toBe(statSync(join(dir, 'events.log')).size);
  });

  it('retries a failing entry, dead-letters it after maxAttempts, and dead-letters a malformed record at once', async () => {
    const dir = tempDir();
    const file = join(dir, 'events.log');
    await writeCalls(file, ['c1'], 5);
    appendFileSync(file, Buffer.concat([Buffer.from([3, 0, 0, 0]), Buffer.from([0xff, 0xff, 0xff])])); // whole, but not a CallEvent
    await writeCalls(file, ['c2'], 2);
    const reader = new EmbeddedTimelineReader(dir);
    const consumer = reader.consumer({ group: 'g', consumer: 'only', maxAttempts: 3, claimIdleMs: 2000 });
    const handled: string[] = [];
    let attempts = 0;
    consumer.start(async (entries) => {
      const poison = entries.filter((e) => e.callId === 'c1' && e.seq === 3).map((e) => e.id);
      attempts += poison.length;
      handled.push(...entries.filter((e) => !poison.includes(e.id)).map((e) => `${e.callId}/${e.seq}`));
      return { failed: poison };
    });
    await until(async () => (await reader.deadLetters()).length === 2, 10_000);
    await consumer.close();
    const dead = await reader.deadLetters();
    expect(dead.map((d) => [d.callId, d.seq, d.attempts])).toEqual([['', 0, 1], ['c1', 3, 3]]);
    expect(dead[0].error).toMatch(/malformed/);
    expect(attempts).toBe(3);
    expect(handled.sort()).toEqual(['c1/1', 'c1/2', 'c1/4', 'c1/5', 'c2/1', 'c2/2']);
  });

  it('replays one call in seq order, once each, across worker files', async () => {
    const dir = tempDir();
    await writeCalls(join(dir, 'events.log'), ['c1', 'c2'], 4);
    const other = new EmbeddedLog(join(dir, 'events-w1.log'));
    for (const seq of [6, 5, 5]) other.append('c1', seq, encode('c1', seq)); // late, out of order, duplicated
    await other.close();
    const timeline: TimelineEntry[] = await new EmbeddedTimelineReader(dir).callTimeline('c1');
    expect(timeline.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
