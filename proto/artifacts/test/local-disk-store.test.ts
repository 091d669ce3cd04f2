// The local-disk artifact store: the shared contract, then what only a folder has: crash-safe writes (a temp file
// renamed into place; leftovers ignored), keys that would escape the folder refused, a full disk reported as such,
// the retention sweep, and signed URLs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { artifactKey, callIdSegment } from '../src/artifact-store.ts';
import { LocalDiskStore } from '../src/local-disk-store.ts';
import { openArtifactStore } from '../src/open-store.ts';
import { verifyLocalSignedUrl } from '../src/signed-url.ts';
import { describeStoreContract, expectStoreError, meta, readAll } from './store-contract.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'invorto-artifacts-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describeStoreContract('local disk', async () => openArtifactStore({ dir: tempDir(), urlSecret: 'contract-secret' }));

const DAY_MS = 86_400_000;
const started = new Date('2026-03-04T10:00:00Z');

describe('local disk store', () => {
  it('is what openArtifactStore gives without a bucket, and verify() creates and checks the folder', async () => {
    const dir = join(tempDir(), 'not-yet');
    const logged: string[] = [];
    const store = openArtifactStore({ dir, s3: { bucket: '' }, log: (msg) => logged.push(msg) });
    expect(store.kind).toBe('local');
    await store.verify();
    expect(existsSync(dir)).toBe(true);
    expect(logged).toEqual([`artifacts: local disk under ${dir}`]);
  });

  it('keeps the object and a sidecar of its meta; a temp file left by a crash is not an object', async () => {
    const dir = tempDir();
    const store = new LocalDiskStore({ dir });
    const key = artifactKey('acme', 'c1', started, 'recording.wav');
    await store.put(key, { bytes: Buffer.from('RIFF....') }, meta({ callId: 'c1' }));
    const folder = join(dir, 'acme/2026/03/04/c1');
    expect(readdirSync(folder).sort()).toEqual(['recording.wav', 'recording.wav.meta.json']);
    // What a crash mid-write leaves: a temp file beside the target.
    writeFileSync(join(folder, '.3f2a9c.partial'), 'half an upl');
    expect((await store.list('acme/')).map((info) => info.key)).toEqual([key]);
    rmSync(join(folder, '.3f2a9c.partial'));
    await store.put(artifactKey('acme', 'c9', started, 'recording.wav'), { bytes: Buffer.from('RIFF') }, meta({ callId: 'c9' }));
    expect(await store.deletePrefix('acme/2026/03/04/c1/')).toBe(1);
    // The deleted call's folder goes; the date folder stays while another call is in it, and goes with it.
    expect(readdirSync(join(dir, 'acme/2026/03/04'))).toEqual(['c9']);
    expect(await store.deletePrefix('acme/')).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an aborted put leaves neither the object nor a temp file, and an earlier version stays whole', async () => {
    const dir = tempDir();
    const store = new LocalDiskStore({ dir });
    const key = artifactKey('acme', 'c2', started, 'recording.wav');
    await store.put(key, { bytes: Buffer.from('version one') }, meta());
    const file = join(tempDir(), 'big.bin');
    writeFileSync(file, Buffer.alloc(8 * 1024 * 1024, 7));
    const controller = new AbortController();
    const put = store.put(key, { file }, meta(), { signal: controller.signal, onProgress: () => controller.abort() });
    await expectStoreError(put, 'unavailable');
    expect(readdirSync(join(dir, 'acme/2026/03/04/c2')).sort()).toEqual(['recording.wav', 'recording.wav.meta.json']);
    expect((await readAll((await store.get(key))!.stream)).toString()).toBe('version one');
  });

  it('refuses keys that would leave the folder, with kind config', async () => {
    const store = new LocalDiskStore({ dir: tempDir() });
    for (const key of ['../outside.wav', 'acme/../../etc/passwd', '/etc/passwd', 'acme\\..\\x', 'acme//x', 'C:/x', 'acme/x.meta.json']) {
      const error = await expectStoreError(store.put(key, { bytes: Buffer.from('x') }, meta()), 'config');
      expect(error.message).toContain(JSON.stringify(key));
      await expectStoreError(store.get(key), 'config');
    }
    await expectStoreError(store.deletePrefix('../'), 'config');
  });

  // A real full disk: a 256 KB tmpfs. Mounting needs root (or a user namespace); elsewhere this is skipped.
  const tinyFs = join(tmpdir(), `invorto-full-${process.pid}`);
  const canMount = (() => {
    try {
      mkdirSync(tinyFs, { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', tinyFs], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  afterAll(() => {
    if (canMount) execFileSync('umount', [tinyFs]);
    rmSync(tinyFs, { recursive: true, force: true });
  });

  it.skipIf(!canMount)('a full disk is kind disk-full, and leaves no partial file behind', async () => {
    const store = new LocalDiskStore({ dir: join(tinyFs, 'artifacts') });
    const key = artifactKey('acme', 'c3', started, 'recording.wav');
    const error = await expectStoreError(store.put(key, { bytes: Buffer.alloc(1024 * 1024, 1) }, meta()), 'disk-full');
    expect(error.message).toContain(key);
    expect(readdirSync(join(tinyFs, 'artifacts/acme/2026/03/04/c3'))).toEqual([]);
    expect(await store.head(key)).toBeNull();
  });

  it('the retention sweep deletes only objects older than their rule; an agent rule wins for its agent', async () => {
    const now = new Date('2026-06-01T00:00:00Z');
    const store = new LocalDiskStore({ dir: tempDir(), now: () => now });
    const objects = [
      { name: 'acme-agent7-10d', tenant: 'acme', agentId: 'agent-7', ageDays: 10, deleted: true }, // agent rule: 5 days
      { name: 'acme-agent7-2d', tenant: 'acme', agentId: 'agent-7', ageDays: 2, deleted: false },
      { name: 'acme-agent9-10d', tenant: 'acme', agentId: 'agent-9', ageDays: 10, deleted: false }, // tenant rule: 30 days
      { name: 'acme-agent9-40d', tenant: 'acme', agentId: 'agent-9', ageDays: 40, deleted: true },
      { name: 'acme-noagent-40d', tenant: 'acme', agentId: undefined, ageDays: 40, deleted: true },
      { name: 'acme-agent8-40d', tenant: 'acme', agentId: 'agent-8', ageDays: 40, deleted: false }, // agent rule: 60 days
      { name: 'other-agent7-400d', tenant: 'other', agentId: 'agent-7', ageDays: 400, deleted: false }, // no rule for this tenant
    ];
    for (const o of objects) {
      const key = artifactKey(o.tenant, o.name, started, 'recording.wav');
      await store.put(key, { bytes: Buffer.from(o.name) }, meta({ tenantId: o.tenant, callId: o.name, agentId: o.agentId }));
      await store.setLastModified(key, new Date(now.getTime() - o.ageDays * DAY_MS));
    }
    const result = await store.applyRetention([
      { tenantId: 'acme', days: 30 },
      { tenantId: 'acme', agentId: 'agent-7', days: 5 },
      { tenantId: 'acme', agentId: 'agent-8', days: 60 },
    ]);
    expect(result).toEqual({ deleted: objects.filter((o) => o.deleted).length });
    const left = (await store.list('')).map((info) => info.meta.callId).sort();
    expect(left).toEqual(objects.filter((o) => !o.deleted).map((o) => o.name).sort());
  });

  it('signs URLs the signed-url check accepts; without a secret signing is a config error', async () => {
    const now = new Date('2026-06-01T00:00:00Z');
    const store = new LocalDiskStore({ dir: tempDir(), urlSecret: 's3cret', now: () => now });
    const key = artifactKey('acme', 'c4', started, 'recording.wav');
    const url = new URL(await store.signedUrl(key, 300), 'http://control.local');
    expect(url.pathname).toBe(`/artifacts/signed/${key}`);
    expect(url.searchParams.get('expires')).toBe(String(now.getTime() / 1000 + 300));
    expect(verifyLocalSignedUrl(key, url.searchParams, 's3cret', now.getTime() / 1000 + 299)).toEqual({ ok: true });
    expect(verifyLocalSignedUrl(key, url.searchParams, 's3cret', now.getTime() / 1000 + 300).ok).toBe(false);
    await expectStoreError(new LocalDiskStore({ dir: tempDir() }).signedUrl(key, 300), 'config');
  });
});

describe('callIdSegment', () => {
  it('keeps ids of [A-Za-z0-9_-] as they are and percent-encodes every other byte, "." included', () => {
    expect(callIdSegment('CA0123456789abcdef0123456789abcdef')).toBe('CA0123456789abcdef0123456789abcdef');
    expect(callIdSegment('0b9e3f9c-7d0e-4a4e-9d6a-3c7b1f1e2a11')).toBe('0b9e3f9c-7d0e-4a4e-9d6a-3c7b1f1e2a11');
    expect(callIdSegment('a84b4c76e66710@pc33.example.com')).toBe('a84b4c76e66710%40pc33%2Eexample%2Ecom');
    expect(callIdSegment('..')).toBe('%2E%2E');
    expect(callIdSegment('x/y\\z é')).toBe('x%2Fy%5Cz%20%C3%A9');
  });

  it('refuses an empty id and one past 256 characters', () => {
    expect(() => callIdSegment('')).toThrow('unusable call id for an artifact key');
    expect(() => callIdSegment('c'.repeat(257))).toThrow('(1-256 characters)');
    expect(callIdSegment('c'.repeat(256))).toHaveLength(256);
  });

  it('names a SIP call\'s folder with it', () => {
    expect(artifactKey('acme', '6-23415@127.0.0.1', new Date('2026-12-06T00:00:00Z'), 'recording.wav')).toBe('acme/2026/12/06/6-23415%40127%2E0%2E0%2E1/recording.wav');
  });
});
