// `invorto artifacts` against a running control on local disk: list and download through the API (a cut download
// resumed byte-identical), the tenant's objects from the store, and sync --to-s3 into a signature-checking S3
// server, copying each object once and skipping it on the next run.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactKey } from '@invorto/artifacts/artifact-store.ts';
import { S3ArtifactStore } from '@invorto/artifacts/s3-store.ts';
import { startSignedS3Server, type SignedS3Server } from '../../proto/artifacts/testing/s3-server.ts';
import { runArtifacts } from '../src/cli/artifacts-command.ts';
import { startTestControl, type TestControl } from './helpers/test-control.ts';
import { seedCallWithArtifacts, type SeededCall } from './helpers/seed-artifacts.ts';

describe('invorto artifacts', () => {
  let t: TestControl;
  let s3: SignedS3Server;
  let env: NodeJS.ProcessEnv;
  let seeded: SeededCall;
  beforeAll(async () => {
    t = await startTestControl('sqlite');
    s3 = await startSignedS3Server();
    env = { INVORTO_API_URL: t.url, INVORTO_API_KEY: t.apiKey, INVORTO_DATA_DIR: t.dataDir };
    seeded = await seedCallWithArtifacts(t, { callId: 'c-cli', recordingBytes: 200_000 });
    await seedCallWithArtifacts(t, { callId: 'c-cli-2', startMs: Date.UTC(2026, 11, 3, 9), names: ['transcript.json'] });
  });
  afterAll(async () => {
    await t?.close();
    await s3?.close();
  });
  const run = async (argv: string[], extraEnv: NodeJS.ProcessEnv = {}) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runArtifacts(argv, { env: { ...env, ...extraEnv }, out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err: err.join('\n') };
  };

  it("lists a call's artifacts through control, and refuses another tenant's call", async () => {
    const { code, out } = await run(['list', '--call', 'c-cli']);
    expect(code).toBe(0);
    expect(out[0]).toMatch(new RegExp(`^recording\\.wav +200000  audio/wav +${t.url}/artifacts/signed/default/2026/12/01/c-cli/recording\\.wav\\?expires=`));
    expect(out[1]).toMatch(/^transcript\.json/);
    expect(out[2]).toMatch(/^\(2 artifacts; URLs work until /);
    const other = await t.newTenant();
    const refused = await run(['list', '--call', 'c-cli'], { INVORTO_API_KEY: other.apiKey });
    expect(refused).toMatchObject({ code: 1, err: 'invorto artifacts: GET /v1/calls/c-cli/artifacts: 404 call "c-cli" not found' });
  });

  it('downloads the recording, and resumes a cut download from the byte it reached', async () => {
    const whole = seeded.objects['recording.wav'];
    const file = join(t.dataDir, 'dl.wav');
    expect((await run(['download', '--call', 'c-cli', '--out', file])).out).toEqual([`downloaded recording.wav of call c-cli to ${file}: 200000 bytes`]);
    expect(readFileSync(file).equals(whole)).toBe(true);
    writeFileSync(file, whole.subarray(0, 77_777));
    expect((await run(['download', '--call', 'c-cli', '--out', file])).out).toEqual([`downloaded recording.wav of call c-cli to ${file}: 200000 bytes (resumed from byte 77777)`]);
    expect(readFileSync(file).equals(whole)).toBe(true);
    expect((await run(['download', '--call', 'c-cli', '--out', file])).out).toEqual([`${file} already holds all of recording.wav (200000 bytes)`]);
  });

  it("lists a tenant's objects from the store, by prefix", async () => {
    const all = await run(['list', '--tenant', 'default']);
    expect(all.out.map((line) => line.split(/ +/)[0])).toEqual([
      'default/2026/12/01/c-cli/recording.wav', 'default/2026/12/01/c-cli/transcript.json', 'default/2026/12/03/c-cli-2/transcript.json',
    ]);
    expect((await run(['list', '--tenant', 'default', '--prefix', '2026/12/03/'])).out).toHaveLength(1);
  });

  it('syncs local disk to S3 with progress lines, skipping what is already there', async () => {
    const s3Env = {
      INVORTO_S3_BUCKET: s3.settings.bucket, INVORTO_S3_ENDPOINT: s3.settings.endpoint, INVORTO_S3_ACCESS_KEY_ID: s3.settings.accessKeyId,
      INVORTO_S3_SECRET_ACCESS_KEY: s3.settings.secretAccessKey,
    };
    const first = await run(['sync', '--to-s3'], s3Env);
    expect(first.code).toBe(0);
    expect(first.out).toEqual([
      '[1/3] copied default/2026/12/01/c-cli/recording.wav (200000 bytes)',
      `[2/3] copied default/2026/12/01/c-cli/transcript.json (${seeded.objects['transcript.json'].length} bytes)`,
      expect.stringMatching(/^\[3\/3\] copied default\/2026\/12\/03\/c-cli-2\/transcript\.json/),
      expect.stringMatching(/: 3 copied \(\d+ bytes\), 0 already there$/),
    ]);
    const bucket = new S3ArtifactStore(s3.settings);
    const copy = await bucket.get(artifactKey('default', 'c-cli', seeded.startedAt, 'recording.wav'));
    const chunks: Buffer[] = [];
    for await (const chunk of copy!.stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(seeded.objects['recording.wav'])).toBe(true);
    expect(copy!.meta).toMatchObject({ tenantId: 'default', callId: 'c-cli', agentId: 'demo', contentType: 'audio/wav' });
    bucket.close();
    const second = await run(['sync', '--to-s3'], s3Env);
    expect(second.out.slice(0, 3).every((line) => line.includes(' skipped '))).toBe(true);
    expect(second.out[3]).toMatch(/: 0 copied \(0 bytes\), 3 already there$/);
    const wrong = await run(['sync', '--to-s3'], { ...s3Env, INVORTO_S3_SECRET_ACCESS_KEY: 'wrong' });
    expect(wrong).toMatchObject({ code: 1, err: expect.stringMatching(/^invorto artifacts: S3 bucket "invorto-artifacts": S3 refused the credentials/) });
  });

  it('is registered with the invorto command', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/invorto.js', 'artifacts', 'list', '--call', 'c-cli'], { env: { ...process.env, ...env }, cwd: new URL('../..', import.meta.url).pathname });
    expect(stdout).toMatch(/^recording\.wav +200000/);
  });
});
