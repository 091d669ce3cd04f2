// The contract both artifact stores pass (local disk and S3 on a signature-checking S3-API server): the same bytes
// back, ranges, overwrite as one object, listing and deleting by prefix, progress, and a download cut part-way and
// resumed with a Range giving the same file.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactStoreError, artifactKey, type ArtifactMeta, type ArtifactStore, type UploadProgress } from '../src/artifact-store.ts';

export const BIG_FILE_BYTES = 50 * 1024 * 1024;

export const meta = (over: Partial<ArtifactMeta> = {}): ArtifactMeta =>
  ({ tenantId: 'acme', callId: 'call-1', agentId: 'agent-7', agentVersion: 3, durationS: 61.5, contentType: 'audio/wav', ...over });

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A file of random bytes (incompressible, no repeated parts a store could get right by luck). */
export async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const handle = await open(path, 'w');
  for (let written = 0; written < bytes; written += 1024 * 1024) await handle.write(randomBytes(Math.min(1024 * 1024, bytes - written)));
  await handle.close();
}

export async function expectStoreError(promise: Promise<unknown>, kind: ArtifactStoreError['kind']): Promise<ArtifactStoreError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(ArtifactStoreError);
  expect((error as ArtifactStoreError).kind).toBe(kind);
  return error as ArtifactStoreError;
}

export function describeStoreContract(name: string, open: () => Promise<ArtifactStore>): void {
  describe(`${name}: the artifact store contract`, () => {
    let store: ArtifactStore;
    let work: string;
    let bigFile: string;
    const started = new Date('2026-03-04T10:00:00Z');
    const key = (callId: string, file = 'recording.wav', tenant = 'acme') => artifactKey(tenant, callId, started, file);

    beforeAll(async () => {
      store = await open();
      work = mkdtempSync(join(tmpdir(), 'invorto-contract-'));
      bigFile = join(work, 'big.wav');
      await writeRandomFile(bigFile, BIG_FILE_BYTES);
    });
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    it('gives back the bytes and meta it stored; nothing for a key never stored', async () => {
      const bytes = randomBytes(10_000);
      await store.put(key('c-bytes'), { bytes }, meta({ callId: 'c-bytes' }));
      const body = await store.get(key('c-bytes'));
      expect(body).toMatchObject({ size: 10_000, start: 0, end: 9_999, meta: meta({ callId: 'c-bytes' }) });
      expect((await readAll(body!.stream)).equals(bytes)).toBe(true);
      expect(await store.head(key('c-bytes'))).toMatchObject({ key: key('c-bytes'), size: 10_000, meta: meta({ callId: 'c-bytes' }) });
      expect(await store.get(key('c-never'))).toBeNull();
      expect(await store.head(key('c-never'))).toBeNull();
    });

    it('serves a range (inclusive, or to the end) and refuses one starting past the end', async () => {
      const bytes = randomBytes(1000);
      await store.put(key('c-range'), { bytes }, meta());
      const middle = await store.get(key('c-range'), { start: 100, end: 199 });
      expect(middle).toMatchObject({ size: 1000, start: 100, end: 199 });
      expect((await readAll(middle!.stream)).equals(bytes.subarray(100, 200))).toBe(true);
      const tail = await store.get(key('c-range'), { start: 990 });
      expect(tail).toMatchObject({ start: 990, end: 999 });
      expect((await readAll(tail!.stream)).equals(bytes.subarray(990))).toBe(true);
      const error = await expectStoreError(store.get(key('c-range'), { start: 1000 }), 'range');
      expect(error.message).toContain(key('c-range'));
      await expectStoreError(store.get(key('c-range'), { start: 5000, end: 6000 }), 'range');
    });

    it('a put of the same key again overwrites: one object, the new bytes', async () => {
      await store.put(key('c-twice', 'transcript.json'), { bytes: Buffer.from('{"v":1}') }, meta({ contentType: 'application/json' }));
      await store.put(key('c-twice', 'transcript.json'), { bytes: Buffer.from('{"v":2,"more":true}') }, meta({ contentType: 'application/json' }));
      const listed = await store.list(key('c-twice', 'transcript.json'));
      expect(listed.map((info) => [info.key, info.size])).toEqual([[key('c-twice', 'transcript.json'), 19]]);
      expect((await readAll((await store.get(key('c-twice', 'transcript.json')))!.stream)).toString()).toBe('{"v":2,"more":true}');
    });

    it('lists by prefix in key order with meta, and deletes a prefix, counting', async () => {
      const prefix = artifactKey('listco', 'c-list', started, 'x').slice(0, -1);
      for (const file of ['transcript.txt', 'events.jsonl', 'recording.wav']) {
        await store.put(`${prefix}${file}`, { bytes: Buffer.from(file) }, meta({ tenantId: 'listco', callId: 'c-list', contentType: 'text/plain' }));
      }
      await store.put(key('c-other', 'recording.wav', 'otherco'), { bytes: Buffer.from('other') }, meta({ tenantId: 'otherco' }));
      const listed = await store.list('listco/');
      expect(listed.map((info) => info.key)).toEqual(['events.jsonl', 'recording.wav', 'transcript.txt'].map((f) => `${prefix}${f}`));
      expect(listed[0]).toMatchObject({ size: 'events.jsonl'.length, meta: { tenantId: 'listco', callId: 'c-list', contentType: 'text/plain' } });
      expect(listed[0].lastModified.getTime()).toBeGreaterThan(Date.now() - 60_000);
      expect(await store.deletePrefix('listco/')).toBe(3);
      expect(await store.list('listco/')).toEqual([]);
      expect((await store.list('otherco/')).length).toBe(1);
      expect(await store.deletePrefix('listco/')).toBe(0);
    });

    it(`stores a ${BIG_FILE_BYTES / 1024 / 1024} MB file with progress rising to 100 %, and a download cut at 40 % resumes by Range to the same bytes`, async () => {
      const progress: UploadProgress[] = [];
      await store.put(key('c-big'), { file: bigFile }, meta(), { onProgress: (p) => progress.push(p) });
      expect(progress.length).toBeGreaterThan(1);
      for (let i = 1; i < progress.length; i++) expect(progress[i].loadedBytes).toBeGreaterThan(progress[i - 1].loadedBytes);
      expect(progress.at(-1)).toMatchObject({ key: key('c-big'), loadedBytes: BIG_FILE_BYTES, totalBytes: BIG_FILE_BYTES, percent: 100 });
      expect(progress[0].percent).toBeLessThan(100);

      const out = join(work, 'downloaded.wav');
      const first = await store.get(key('c-big'));
      const sink = createWriteStream(out);
      let reached = 0;
      for await (const chunk of first!.stream) {
        const want = Math.min((chunk as Buffer).length, Math.ceil(BIG_FILE_BYTES * 0.4) - reached);
        sink.write((chunk as Buffer).subarray(0, want));
        reached += want;
        if (reached >= BIG_FILE_BYTES * 0.4) break; // the connection drops: stop reading
      }
      first!.stream.destroy();
      expect(reached).toBe(Math.ceil(BIG_FILE_BYTES * 0.4));
      const rest = await store.get(key('c-big'), { start: reached });
      expect(rest).toMatchObject({ size: BIG_FILE_BYTES, start: reached, end: BIG_FILE_BYTES - 1 });
      for await (const chunk of rest!.stream) sink.write(chunk);
      await new Promise<void>((resolve, reject) => sink.end((error?: Error | null) => (error ? reject(error) : resolve())));
      expect(await sha256File(out)).toBe(await sha256File(bigFile));
    });
  });
}
