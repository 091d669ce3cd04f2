// The durable upload queue against the signed S3 test server (real SDK, real signatures, injected faults): jobs
// survive a restart (a half-written job is dropped, a half-uploaded one finishes), a failing store is retried with
// growing backoff and said once per interval, and every object is stored once.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArtifactStore } from '@invorto/artifacts/open-store.ts';
import { startSignedS3Server, type SignedS3Server } from '../../../proto/artifacts/testing/s3-server.ts';
import type { ArtifactStore } from '@invorto/artifacts/artifact-store.ts';
import { UploadQueue, type NewUploadJob } from '../../src/recording/upload-queue.ts';
import { createLogger } from '../../src/util/log.ts';

let s3: SignedS3Server;
let store: ArtifactStore;
beforeAll(async () => {
  s3 = await startSignedS3Server();
  store = openArtifactStore({ dir: '', s3: s3.settings });
});
afterAll(async () => { await s3.close(); });

function capture() {
  const lines: { level: number; msg: string; [k: string]: unknown }[] = [];
  const log = createLogger({ service: 'test', level: 'debug', destination: new Writable({ write(chunk, _e, done) { for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l)); done(); } }) });
  return { log, lines };
}

const job = (callId: string, wavBytes = 50_000): NewUploadJob => ({
  tenantId: 'acme', callId, startedAt: new Date('2026-12-05T08:00:00Z'), meta: { tenantId: 'acme', callId, agentId: 'demo', durationS: 3 },
  parts: [
    { name: 'recording.wav', contentType: 'audio/wav', bytes: new Uint8Array(wavBytes).fill(7) },
    { name: 'transcript.json', contentType: 'application/json', bytes: '{"lines":[]}' },
  ],
});

describe('UploadQueue', () => {
  it('keeps jobs on disk across a restart: a job written whole is uploaded once, a half-written one is dropped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'invorto-uploads-'));
    try {
      s3.fault('unreachable');
      const first = capture();
      const queue = new UploadQueue({ dir, store, log: first.log, backoff: { initialMs: 50, maxMs: 200 } });
      await queue.start();
      await queue.enqueue(job('call-restart-1'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(queue.pendingJobs).toBe(1);
      await queue.close(); // the edge goes away with the job queued
      // A job the edge died while writing: files but no manifest.
      mkdirSync(join(dir, 'call-half'));
      writeFileSync(join(dir, 'call-half', 'recording.wav'), 'partial');
      s3.fault('none');
      const second = capture();
      const again = new UploadQueue({ dir, store, log: second.log });
      await again.start();
      await again.idle();
      await again.close();
      const objects = await store.list('acme/');
      expect(objects.map((o) => o.key)).toEqual(['acme/2026/12/05/call-restart-1/recording.wav', 'acme/2026/12/05/call-restart-1/transcript.json']);
      expect(objects[0].size).toBe(50_000);
      expect(objects[0].meta).toMatchObject({ tenantId: 'acme', callId: 'call-restart-1', contentType: 'audio/wav' });
      expect(readdirSync(dir)).toEqual([]);
      expect(second.lines.some((l) => l.msg.includes('did not finish writing'))).toBe(true);
      expect(second.lines.some((l) => l.msg.includes('resuming') && l.jobs === 1)).toBe(true);
      await store.deletePrefix('acme/');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  for (const fault of ['500', '503', 'slow-down', 'unreachable'] as const) {
    it(`retries through ${fault} with growing backoff and logs one error line, not one per object`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'invorto-uploads-'));
      try {
        const { log, lines } = capture();
        const queue = new UploadQueue({ dir, store, log, backoff: { initialMs: 20, maxMs: 400 } });
        const retries: number[] = [];
        queue.on('failed', ({ retryInMs, retryable }) => { expect(retryable).toBe(true); retries.push(retryInMs); });
        s3.fault(fault);
        await queue.start();
        for (let i = 0; i < 3; i++) await queue.enqueue(job(`call-${fault}-${i}`, 2000));
        while (retries.length < 6) await new Promise((resolve) => setTimeout(resolve, 20));
        s3.fault('none');
        await queue.idle();
        await queue.close();
        // Jittered between half and all of 20, 40, 80… ms, capped at 400.
        for (const [n, ms] of retries.entries()) {
          const ceiling = Math.min(400, 20 * 2 ** n);
          expect(ms).toBeGreaterThanOrEqual(ceiling / 2);
          expect(ms).toBeLessThanOrEqual(ceiling);
        }
        const errors = lines.filter((l) => l.level >= 50);
        expect(errors).toHaveLength(1);
        expect(errors[0].msg).toMatch(/artifact uploads failing \(s3 store\)/);
        expect(errors[0].pendingJobs).toBeGreaterThanOrEqual(1);
        expect(lines.filter((l) => l.msg.includes('uploads resumed'))).toHaveLength(1);
        const keys = (await store.list('acme/')).map((o) => o.key);
        expect(keys).toHaveLength(6);
        expect(new Set(keys).size).toBe(6);
        expect(queue.bytesUploaded).toBe(3 * (2000 + 12));
        await store.deletePrefix('acme/');
      } finally {
        s3.fault('none');
        rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000);
  }

  it('stores SIP calls, whose ids hold "@" (and may hold "/" or ".."), under their percent-encoded id, inside the queue folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'invorto-uploads-'));
    try {
      const queue = new UploadQueue({ dir, store, log: capture().log });
      await queue.start();
      await queue.enqueue(job('6-23415@127.0.0.1', 100));
      await queue.enqueue(job('../../escape/a84b', 100));
      expect(readdirSync(dir).sort()).toEqual(['%2E%2E%2F%2E%2E%2Fescape%2Fa84b', '6-23415%40127%2E0%2E0%2E1']);
      await queue.idle();
      await queue.close();
      const keys = (await store.list('acme/2026/12/05/')).map((o) => o.key).filter((k) => k.includes('%'));
      expect(keys).toEqual([
        'acme/2026/12/05/%2E%2E%2F%2E%2E%2Fescape%2Fa84b/recording.wav', 'acme/2026/12/05/%2E%2E%2F%2E%2E%2Fescape%2Fa84b/transcript.json',
        'acme/2026/12/05/6-23415%40127%2E0%2E0%2E1/recording.wav', 'acme/2026/12/05/6-23415%40127%2E0%2E0%2E1/transcript.json',
      ]);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a job no key can take when it is queued, and sets aside one left on disk, so neither blocks the jobs behind it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'invorto-uploads-'));
    try {
      const queue = new UploadQueue({ dir, store, log: capture().log });
      await queue.start();
      await expect(queue.enqueue({ ...job('fine-id'), tenantId: 'no/such tenant' })).rejects.toThrow('unusable tenant id for an artifact key');
      expect(readdirSync(dir)).toEqual([]);
      await queue.close();
      // A job written by another version with a tenant id no key takes, queued ahead of a good one.
      s3.fault('unreachable'); // so it stays queued on disk
      const bad = new UploadQueue({ dir, store, log: capture().log, backoff: { initialMs: 50, maxMs: 100 } });
      await bad.start();
      await bad.enqueue(job('aaa-first'));
      await bad.close();
      s3.fault('none');
      const manifestFile = join(dir, 'aaa-first', readdirSync(join(dir, 'aaa-first')).find((f) => f.includes('manifest'))!);
      writeFileSync(manifestFile, readFileSync(manifestFile, 'utf8').replace('"tenantId":"acme"', '"tenantId":"../acme"'));
      const { log, lines } = capture();
      const again = new UploadQueue({ dir, store, log, backoff: { initialMs: 50, maxMs: 100 } });
      await again.start();
      await again.enqueue(job('zzz-second', 100));
      await again.idle();
      await again.close();
      expect(readdirSync(dir)).toEqual(['.broken-aaa-first']);
      expect(lines.find((l) => l.msg.includes('no usable artifact key'))).toMatchObject({ level: 50, callId: 'aaa-first' });
      expect((await store.list('acme/2026/12/05/zzz-second/')).length).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
