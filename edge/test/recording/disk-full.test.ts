// A full disk on a real edge: the call's recording file fills (a real ENOSPC: it is made a link to /dev/full as the
// call starts, before its first spill), the recording stops with the reason in the log, and the call goes on: the
// caller is answered and the transcript and event log are still stored.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { LocalDiskStore } from '@invorto/artifacts/local-disk-store.ts';
import { startDeepgramEmulator, startOpenAiEmulator } from '../../testing/emulators/index.ts';
import { mintMediaToken } from '../../src/auth/media-token.ts';
import { placeTwilioCall } from '../../src/sim/carrier-caller.ts';
import { silenceFrames, speechFrames } from '../../src/sim/caller-sounds.ts';
import { startEdge } from '../../src/start-edge.ts';
import { createLogger } from '../../src/util/log.ts';

it('a full disk stops the recording with a logged reason and the call goes on', async () => {
  const deepgram = await startDeepgramEmulator({ listen: { utterances: [{ transcript: 'What are your opening hours?' }], finalDelayMs: 50 }, speak: { firstByteMs: 40 } });
  const openai = await startOpenAiEmulator({ firstTokenMs: 60, responder: () => ({ text: 'We are open from nine to six.' }) });
  const dataDir = mkdtempSync(join(tmpdir(), 'invorto-disk-full-'));
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({ write(chunk, _e, done) { for (const l of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(l)); done(); } });
  const secret = randomBytes(16).toString('hex');
  const edge = await startEdge({
    host: '127.0.0.1', port: 0, controlUrl: '', dataDir, internalToken: '', maxMessageBytes: 65536, mediaTokenSecret: secret, maxCalls: 5, noMediaTimeoutMs: 10_000, drainMs: 1000,
    keys: { deepgramApiKey: 'k', deepgramBaseUrl: deepgram.url, openaiApiKey: 'k', openaiBaseUrl: `${openai.url}/v1`, openaiModel: 'gpt-4o-mini' },
    recording: { spillAtBytes: 65_536 }, // the first spill comes about 5 s into the call
    agent: { ...demoAgent('default'), greeting: 'Hello, you are through to the clinic.', recording: { mode: 'stereo' } },
    log: createLogger({ service: 'edge', level: 'info', destination }),
  });
  try {
    // As the call starts (its id is in the log), its recording file becomes a link to /dev/full.
    let linked = '';
    const watcher = setInterval(() => {
      const started = logs.find((l) => l.msg === 'call started');
      if (started && !linked) {
        linked = join(dataDir, 'uploads', '.recording', `${started.callId}.wav`);
        symlinkSync('/dev/full', linked);
      }
    }, 5);
    const token = mintMediaToken(secret, { tenantId: 'default', agentId: 'demo', expiresAt: Date.now() / 1000 + 600 });
    const frames = [...silenceFrames(4000), ...(await speechFrames('What are your opening hours?')), ...silenceFrames(3000)];
    const caller = await placeTwilioCall({ url: `${edge.url.replace(/^http/, 'ws')}/media/twilio?token=${token}`, frames, quietHangupMs: 1500, maxDurationMs: 40_000 });
    clearInterval(watcher);
    expect(linked).not.toBe('');
    // The call went on: greeting and answer both played to their marks.
    expect(caller.replies.length).toBeGreaterThanOrEqual(2);
    const stopped = logs.filter((l) => l.msg === 'call recording stopped; the call goes on');
    expect(stopped).toHaveLength(1);
    expect(stopped[0].reason).toBe(`the disk is full (ENOSPC) writing ${linked}`);
    const store = new LocalDiskStore({ dir: join(dataDir, 'artifacts') });
    const deadline = Date.now() + 10_000;
    let names: string[] = [];
    while (!names.includes('events.jsonl') && Date.now() < deadline) {
      names = (await store.list('default/')).filter((o) => o.key.includes(`/${caller.callId}/`)).map((o) => o.key.split('/').at(-1)!);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(names.sort()).toEqual(['events.jsonl', 'transcript.json', 'transcript.txt']);
  } finally {
    await edge.close();
    await deepgram.close();
    await openai.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 60_000);
