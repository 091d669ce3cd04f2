// The same artifact routes with the store on S3: a real S3-API server that checks request signatures
// (startSignedS3Server). Downloads stream from S3 with Range, the list's presigned URLs download with a plain fetch
// and only for the object signed, deleting a call deletes its objects in the bucket, retention becomes the
// bucket's lifecycle rules, and wrong credentials or a missing bucket stop control at start, naming the bucket.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetBucketLifecycleConfigurationCommand } from '@aws-sdk/client-s3';
import { callPrefix } from '@invorto/artifacts/artifact-store.ts';
import { s3Client } from '@invorto/artifacts/s3-settings.ts';
import { startSignedS3Server, type SignedS3Server } from '../../proto/artifacts/testing/s3-server.ts';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { startControl } from '../src/start-control.ts';
import { RetentionApplier } from '../src/modules/artifacts/retention.ts';
import { dialects, startTestControl, type TestControl } from './helpers/test-control.ts';
import { bytesOf, seedCallWithArtifacts, type SeededCall } from './helpers/seed-artifacts.ts';

const { id: _id, tenantId: _tenant, ...agentSettings } = demoAgent('x');

describe.each(dialects())('call artifacts on S3, %s', (dialect) => {
  let s3: SignedS3Server;
  let t: TestControl;
  let other: { tenantId: string; apiKey: string };
  let mine: SeededCall;
  beforeAll(async () => {
    s3 = await startSignedS3Server();
    t = await startTestControl(dialect, { s3: s3.settings });
    other = await t.newTenant();
    mine = await seedCallWithArtifacts(t, { callId: 'c-s3', recordingBytes: 300_000 });
    await seedCallWithArtifacts(t, { callId: 'c-s3-theirs', tenantId: other.tenantId });
  });
  afterAll(async () => {
    await t?.close();
    await s3?.close();
  });

  it('streams the recording from the bucket, whole and by Range, and refuses a range past the end', async () => {
    expect(t.control.ctx.artifacts.store.kind).toBe('s3');
    const whole = mine.objects['recording.wav'];
    const response = await t.api('/v1/calls/c-s3/recording');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('audio/wav');
    expect((await bytesOf(response)).equals(whole)).toBe(true);
    const cutAt = 123_457;
    const first = await t.api('/v1/calls/c-s3/recording', { headers: { range: `bytes=0-${cutAt - 1}` } });
    const rest = await t.api('/v1/calls/c-s3/recording', { headers: { range: `bytes=${cutAt}-` } });
    expect([first.status, rest.status]).toEqual([206, 206]);
    expect(rest.headers.get('content-range')).toBe(`bytes ${cutAt}-${whole.length - 1}/${whole.length}`);
    expect(Buffer.concat([await bytesOf(first), await bytesOf(rest)]).equals(whole)).toBe(true);
    // HEAD reads the object's metadata only: no GetObject is opened on S3 for it.
    const before = s3.requestLog.length;
    const head = await t.api('/v1/calls/c-s3/recording', { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length')]).toEqual([200, String(whole.length)]);
    expect(s3.requestLog.slice(before).map((r) => r.method)).toEqual(['HEAD']);
    const past = await t.api('/v1/calls/c-s3/recording', { headers: { range: `bytes=${whole.length}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${whole.length}`);
  });

  it("lists presigned URLs that download with a plain fetch, each for its own object only", async () => {
    const list = await (await t.api('/v1/calls/c-s3/artifacts?expiresInS=120')).json();
    const recording = list.artifacts.find((a: { name: string }) => a.name === 'recording.wav');
    expect(recording.url).toMatch(new RegExp(`^${s3.settings.endpoint}/${s3.settings.bucket}/${t.tenantId}/2026/12/01/c-s3/recording\\.wav\\?.*X-Amz-Expires=120.*X-Amz-Signature=`));
    const download = await fetch(recording.url);
    expect(download.status).toBe(200);
    expect((await bytesOf(download)).equals(mine.objects['recording.wav'])).toBe(true);
    // The signature covers the key: pointed at another tenant's object, S3 refuses it.
    const bent = await fetch(recording.url.replace(`${t.tenantId}/2026/12/01/c-s3/`, `${other.tenantId}/2026/12/01/c-s3-theirs/`));
    expect(bent.status).toBe(403);
    expect(await bent.text()).toContain('SignatureDoesNotMatch');
    expect((await t.api('/v1/calls/c-s3-theirs/artifacts')).status).toBe(404);
    expect((await t.api('/v1/calls/c-s3-theirs/recording')).status).toBe(404);
    // Control signs no local URLs when the artifacts are on S3.
    expect((await fetch(`${t.url}/artifacts/signed/${t.tenantId}/2026/12/01/c-s3/recording.wav?expires=1&signature=00`)).status).toBe(404);
  });

  it("deletes the call's objects in the bucket with the call", async () => {
    const seeded = await seedCallWithArtifacts(t, { callId: 'c-s3-gone', names: ['recording.wav', 'transcript.json', 'events.jsonl'] });
    const prefix = callPrefix(t.tenantId, 'c-s3-gone', seeded.startedAt);
    expect(await t.control.ctx.artifacts.store.list(prefix)).toHaveLength(3);
    expect(await (await t.api('/v1/calls/c-s3-gone', { method: 'DELETE' })).json()).toEqual({ id: 'c-s3-gone', artifactsDeleted: 3 });
    expect(await t.control.ctx.artifacts.store.list(prefix)).toEqual([]);
    expect(await t.control.ctx.artifacts.store.list(callPrefix(t.tenantId, 'c-s3', mine.startedAt))).toHaveLength(2);
  });

  it("writes the tenants' and agents' retention as the bucket's lifecycle rules", async () => {
    expect((await t.api('/v1/tenant', { method: 'PATCH', json: { retentionDays: 90 } })).status).toBe(200);
    expect((await t.api('/v1/agents', { method: 'POST', json: { id: 'brief', ...agentSettings, recording: { mode: 'stereo', retentionDays: 14 } } })).status).toBe(201);
    const applied = await new RetentionApplier(t.control.ctx).applyOnce();
    expect(applied.deleted).toBe(0);
    const client = s3Client(s3.settings);
    const { Rules } = await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: s3.settings.bucket }));
    client.destroy();
    expect(Rules?.map((r) => [r.ID, r.Status, r.Expiration?.Days])).toEqual([
      [`invorto-tenant-${t.tenantId}`, 'Enabled', 90], [`invorto-agent-${t.tenantId}-brief`, 'Enabled', 14],
    ]);
  });
});

describe('control at start with an unusable bucket', () => {
  let s3: SignedS3Server;
  let dataDir: string;
  beforeAll(async () => {
    s3 = await startSignedS3Server();
    dataDir = mkdtempSync(join(tmpdir(), 'invorto-control-'));
  });
  afterAll(async () => {
    await s3?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const start = (s3Settings: typeof s3.settings) => startControl({ host: '127.0.0.1', port: 0, internalPort: 0, dataDir, internalToken: 'x', ingestTimeline: false, s3: s3Settings });

  it('refuses to start with wrong credentials, naming the bucket and the settings to check', async () => {
    await expect(start({ ...s3.settings, secretAccessKey: 'not-the-secret' })).rejects.toThrow(
      new RegExp(`control cannot use the artifact store \\(S3 bucket "${s3.settings.bucket}"\\): .*INVORTO_S3_SECRET_ACCESS_KEY`),
    );
  });

  it('refuses to start when the bucket does not exist', async () => {
    await expect(start({ ...s3.settings, bucket: 'no-such-bucket' })).rejects.toThrow(/S3 bucket "no-such-bucket"/);
  });
});
