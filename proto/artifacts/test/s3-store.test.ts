// The S3 artifact store against a real S3-API server that checks SigV4 signatures (s3rver behind a fault-injecting
// proxy): the shared contract, then multipart uploads (parts, meta, tags, an aborted upload leaves no parts),
// presigned URLs before and after expiry, lifecycle rules, credentials and missing buckets, and retries.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand, CreateMultipartUploadCommand, GetBucketLifecycleConfigurationCommand, GetObjectTaggingCommand,
  ListMultipartUploadsCommand, PutBucketLifecycleConfigurationCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactKey } from '../src/artifact-store.ts';
import { openArtifactStore } from '../src/open-store.ts';
import { s3Client } from '../src/s3-settings.ts';
import { S3ArtifactStore } from '../src/s3-store.ts';
import { startSignedS3Server, type SignedS3Server } from '../testing/s3-server.ts';
import { describeStoreContract, expectStoreError, meta, readAll, writeRandomFile } from './store-contract.ts';

let server: SignedS3Server;
let work: string;
beforeAll(async () => {
  server = await startSignedS3Server({ bucket: 'invorto-artifacts' });
  work = mkdtempSync(join(tmpdir(), 'invorto-s3-store-'));
});
afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

describeStoreContract('S3', async () => openArtifactStore({ dir: '/nonexistent', s3: { ...server.settings, prefix: 'contract/' } }));

const started = new Date('2026-03-04T10:00:00Z');
const key = (callId: string, file = 'recording.wav') => artifactKey('acme', callId, started, file);
const isPart = (r: { method: string; url: string }) => r.method === 'PUT' && /[?&]partNumber=/.test(r.url);

describe('S3 artifact store', () => {
  it('is what openArtifactStore gives when a bucket is named', () => {
    const logged: string[] = [];
    const store = openArtifactStore({ dir: '/unused', s3: { ...server.settings, prefix: 'prod/' }, log: (msg) => logged.push(msg) });
    expect(store).toBeInstanceOf(S3ArtifactStore);
    expect(store.kind).toBe('s3');
    expect(logged).toEqual([`artifacts: S3 bucket invorto-artifacts at ${server.settings.endpoint} (path-style), prefix prod/`]);
  });

  it('uploads a 20 MB file as 3 parts of at most 8 MB, with meta, content type and tags', async () => {
    const file = join(work, '20mb.wav');
    await writeRandomFile(file, 20 * 1024 * 1024);
    const store = new S3ArtifactStore(server.settings);
    const before = server.requestLog.length;
    await store.put(key('c-multi'), { file }, meta({ callId: 'c-multi' }));
    const requests = server.requestLog.slice(before);
    expect(requests.filter((r) => r.method === 'POST' && r.url.includes('uploads')).length).toBe(1);
    expect(requests.filter(isPart).length).toBe(3);
    expect(await store.head(key('c-multi'))).toMatchObject({ size: 20 * 1024 * 1024, meta: meta({ callId: 'c-multi' }) });
    const tags = await s3Client(server.settings).send(new GetObjectTaggingCommand({ Bucket: server.settings.bucket, Key: key('c-multi') }));
    expect(Object.fromEntries((tags.TagSet ?? []).map((t) => [t.Key, t.Value]))).toEqual({ tenant: 'acme', call: 'c-multi', agent: 'agent-7' });
  });

  it('a multipart upload whose part keeps failing is aborted: no parts are left in the bucket', async () => {
    const client = s3Client(server.settings);
    const bucket = server.settings.bucket;
    // The listing sees an upload in progress (so "none left" below is not an empty answer by default).
    const open = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'probe/upload' }));
    expect((await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads?.map((u) => u.UploadId)).toEqual([open.UploadId]);
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'probe/upload', UploadId: open.UploadId }));

    const file = join(work, '40mb.wav');
    await writeRandomFile(file, 40 * 1024 * 1024);
    const store = new S3ArtifactStore(server.settings);
    server.fault('500', Number.POSITIVE_INFINITY, (r) => isPart(r) && /[?&]partNumber=3(&|$)/.test(r.url));
    const before = server.requestLog.length;
    try {
      const error = await expectStoreError(store.put(key('c-aborted'), { file }, meta()), 'unavailable');
      expect(error.message).toContain(`invorto-artifacts/${key('c-aborted')}`);
      expect(error.retryable).toBe(true);
    } finally {
      server.fault('none');
    }
    const requests = server.requestLog.slice(before);
    expect(requests.filter((r) => isPart(r) && /partNumber=3(&|$)/.test(r.url)).length).toBe(3); // maxAttempts 3
    expect(requests.some((r) => r.method === 'DELETE' && r.url.includes('uploadId='))).toBe(true);
    expect((await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).toEqual([]);
    expect(await store.head(key('c-aborted'))).toBeNull();
  });

  it('presigned URLs work with plain fetch before expiry, give 403 after, and 403 when tampered', async () => {
    const store = new S3ArtifactStore(server.settings);
    await store.put(key('c-presign'), { bytes: Buffer.from('the recording') }, meta());
    // X-Amz-Date has whole seconds, so a 1 s URL signed late in a second can expire before a loaded host fetches
    // it (CI saw that); 5 s leaves room, and the wait below runs to the signed expiry itself.
    const url = await store.signedUrl(key('c-presign'), 5);
    expect(url).toContain('X-Amz-Expires=5');
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('the recording');

    const signature = /X-Amz-Signature=([0-9a-f]+)/.exec(url)![1];
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
    expect((await fetch(url.replace(signature, flipped))).status).toBe(403);
    expect((await fetch(url.replace('c-presign', 'c-presigx'))).status).toBe(403);

    const signedAt = /X-Amz-Date=(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(url)!.slice(1).map(Number);
    const expiresAt = Date.UTC(signedAt[0]!, signedAt[1]! - 1, signedAt[2]!, signedAt[3]!, signedAt[4]!, signedAt[5]!) + 5_000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 1_500));
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toMatch(/expired/i);
  });

  // s3rver 4 does not implement bucket lifecycle configuration (PUT/GET ?lifecycle answer 501 NotImplemented); the
  // test server's proxy keeps what the SDK PUTs, so this checks the rules as serialized and read back by the SDK.
  it('writes retention as lifecycle rules (per tenant by prefix, per agent by prefix and tag), keeping rules that are not ours', async () => {
    const client = s3Client(server.settings);
    const bucket = server.settings.bucket;
    await client.send(new PutBucketLifecycleConfigurationCommand({
      Bucket: bucket, LifecycleConfiguration: { Rules: [{ ID: 'ops-logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 3 } }] },
    }));
    const store = new S3ArtifactStore({ ...server.settings, prefix: 'prod/' });
    const apply = () => store.applyRetention([{ tenantId: 'acme', days: 30 }, { tenantId: 'acme', agentId: 'agent-7', days: 7 }, { tenantId: 'beta', days: 90 }]);
    expect(await apply()).toEqual({ deleted: 0 });
    expect(await apply()).toEqual({ deleted: 0 }); // applying again replaces our rules, no duplicates
    const { Rules } = await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    expect(Rules).toEqual([
      { ID: 'ops-logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 3 } },
      { ID: 'invorto-tenant-acme', Status: 'Enabled', Filter: { Prefix: 'prod/acme/' }, Expiration: { Days: 30 } },
      { ID: 'invorto-agent-acme-agent-7', Status: 'Enabled', Filter: { And: { Prefix: 'prod/acme/', Tags: [{ Key: 'agent', Value: 'agent-7' }] } }, Expiration: { Days: 7 } },
      { ID: 'invorto-tenant-beta', Status: 'Enabled', Filter: { Prefix: 'prod/beta/' }, Expiration: { Days: 90 } },
    ]);
  });

  it('verify() names wrong credentials (kind credentials) and a missing bucket (kind config), never the secret', async () => {
    await new S3ArtifactStore(server.settings).verify();
    const wrong = new S3ArtifactStore({ ...server.settings, secretAccessKey: 'not-the-secret-xyz' });
    const error = await expectStoreError(wrong.verify(), 'credentials');
    expect(error.message).toMatch(/^S3 refused the credentials for bucket invorto-artifacts: .*403/);
    expect(error.message).not.toContain('not-the-secret-xyz');
    const putError = await expectStoreError(wrong.put(key('c-creds'), { bytes: Buffer.from('x') }, meta()), 'credentials');
    expect(putError.message).toContain('SignatureDoesNotMatch');
    expect(putError.message).not.toContain('not-the-secret-xyz');
    const missing = await expectStoreError(new S3ArtifactStore({ ...server.settings, bucket: 'no-such-bucket' }).verify(), 'config');
    expect(missing.message).toContain('no-such-bucket');
  });

  for (const fault of ['500', '503', 'slow-down'] as const) {
    it(`retries ${fault}: a put succeeds when the first 2 requests fail, and fails as unavailable when all do`, async () => {
      const store = new S3ArtifactStore(server.settings);
      server.fault(fault, 2);
      const before = server.requests;
      await store.put(key(`c-${fault}`), { bytes: Buffer.from(`survived ${fault}`) }, meta());
      expect(server.requests - before).toBe(4); // 2 failed PutObject, the one that worked, PutObjectTagging
      expect((await readAll((await store.get(key(`c-${fault}`)))!.stream)).toString()).toBe(`survived ${fault}`);
      server.fault(fault);
      try {
        const error = await expectStoreError(store.put(key(`c-${fault}-lost`), { bytes: Buffer.from('x') }, meta()), 'unavailable');
        expect(error.message).toContain(fault === 'slow-down' ? 'SlowDown' : `HTTP ${fault}`);
        expect(error.message).toContain(key(`c-${fault}-lost`));
      } finally {
        server.fault('none');
      }
    });
  }

  it('an unreachable S3 (connections reset, or nothing listening) is kind unavailable', async () => {
    const store = new S3ArtifactStore(server.settings);
    server.fault('unreachable');
    try {
      await expectStoreError(store.head(key('c-any')), 'unavailable');
      await expectStoreError(store.verify(), 'unavailable');
    } finally {
      server.fault('none');
    }
    const closed = new S3ArtifactStore({ ...server.settings, endpoint: 'http://127.0.0.1:9' });
    const error = await expectStoreError(closed.list('acme/'), 'unavailable');
    expect(error.message).toContain('invorto-artifacts');
  });
});
