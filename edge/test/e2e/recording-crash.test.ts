// An edge killed with SIGKILL right after a call ends (its store unreachable, so the upload is still pending) and
// started again uploads the call's recording: exactly one object, the call's full length.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openArtifactStore } from '@invorto/artifacts/open-store.ts';
import { startSignedS3Server, type SignedS3Server } from '../../../proto/artifacts/testing/s3-server.ts';
import { startDeepgramEmulator, startOpenAiEmulator, type DeepgramEmulator, type OpenAiEmulator } from '../../testing/emulators/index.ts';
import { mintMediaToken } from '../../src/auth/media-token.ts';
import { placeTwilioCall } from '../../src/sim/carrier-caller.ts';
import { silenceFrames, speechFrames } from '../../src/sim/caller-sounds.ts';
import { parseWav } from '../../src/recording/wav.ts';

let s3: SignedS3Server;
let deepgram: DeepgramEmulator;
let openai: OpenAiEmulator;
let dataDir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  s3 = await startSignedS3Server();
  deepgram = await startDeepgramEmulator({ listen: { utterances: [{ transcript: 'What are your opening hours?' }], finalDelayMs: 50 }, speak: { firstByteMs: 40 } });
  openai = await startOpenAiEmulator({ firstTokenMs: 60, responder: () => ({ text: 'We are open from nine to six.' }) });
  dataDir = mkdtempSync(join(tmpdir(), 'invorto-crash-'));
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await s3?.close();
  await deepgram?.close();
  await openai?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function startEdgeProcess(secret: string): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const settings = { dataDir, secret, deepgramUrl: deepgram.url, openaiUrl: openai.url, s3: s3.settings };
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../recording/fixtures/recording-edge.ts'), JSON.stringify(settings)], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => { const m = /listening (\S+)/.exec(d.toString()); if (m) resolve(m[1]); });
    child.on('exit', (code) => reject(new Error(`edge exited (${code}): ${stderr}`)));
  });
  return { child, url, stderr: () => stderr };
}

it('uploads the recording of a call once after the edge is killed right after it ended', async () => {
  const secret = randomBytes(16).toString('hex');
  s3.fault('unreachable'); // the store is down while the call runs and ends: its upload is still pending at the kill
  const first = await startEdgeProcess(secret);
  const token = mintMediaToken(secret, { tenantId: 'default', agentId: 'demo', expiresAt: Date.now() / 1000 + 600 });
  const frames = [...silenceFrames(4000), ...(await speechFrames('What are your opening hours?')), ...silenceFrames(500)];
  const caller = await placeTwilioCall({ url: `${first.url.replace(/^http/, 'ws')}/media/twilio?token=${token}`, frames, quietHangupMs: 1500, maxDurationMs: 40_000 });
  const hungUpMs = performance.now();
  const manifest = join(dataDir, 'uploads', caller.callId!, 'manifest.json');
  while (!existsSync(manifest) && performance.now() - hungUpMs < 5000) await new Promise((resolve) => setTimeout(resolve, 2));
  const queuedMs = performance.now() - hungUpMs;
  first.child.kill('SIGKILL');
  await new Promise((resolve) => first.child.once('exit', resolve));
  console.log(`the call's artifacts were on disk ${queuedMs.toFixed(0)} ms after the caller hung up; edge killed then`);
  expect(existsSync(manifest)).toBe(true);
  const store = openArtifactStore({ dir: '', s3: s3.settings });
  s3.fault('none');
  expect(await store.list('default/')).toEqual([]); // nothing reached the store before the kill

  const second = await startEdgeProcess(secret);
  const deadline = performance.now() + 15_000;
  while (existsSync(join(dataDir, 'uploads', caller.callId!)) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  const keys = (await store.list('default/')).map((o) => o.key);
  const recordings = keys.filter((key) => key.endsWith('/recording.wav'));
  expect(recordings).toHaveLength(1);
  expect(recordings[0]).toContain(`/${caller.callId}/`);
  expect(keys.filter((key) => key.includes(`/${caller.callId}/`)).sort().map((k) => k.split('/').at(-1))).toEqual(['events.jsonl', 'recording.wav', 'transcript.json', 'transcript.txt']);
  const body = await store.get(recordings[0]);
  const wav = parseWav(Buffer.concat(await body!.stream.toArray()));
  const seconds = wav.dataBytes / 2 / 8000;
  console.log(`recording after the restart: ${seconds.toFixed(2)} s for a call of ${(caller.durationMs / 1000).toFixed(2)} s`);
  expect(Math.abs(seconds - caller.durationMs / 1000)).toBeLessThan(0.5);
  expect(second.stderr()).toMatch(/artifact uploads left by the last run: resuming/);
  expect(readdirSync(join(dataDir, 'uploads')).filter((name) => !name.startsWith('.'))).toEqual([]);
  second.child.kill('SIGTERM');
  await new Promise((resolve) => second.child.once('exit', resolve));
}, 90_000);
