// Call recording through a real edge (real Deepgram and OpenAI SDKs against the emulators, a simulated Twilio
// caller): a caller with known audio barges in on the greeting; the stored WAV's left channel is the caller's audio,
// its right channel what the carrier played, and the greeting ends in it where the barge-in cut it.
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMulaw } from '@invorto/dsp/g711.ts';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { LocalDiskStore } from '@invorto/artifacts/local-disk-store.ts';
import { startDeepgramEmulator, startOpenAiEmulator, type DeepgramEmulator, type OpenAiEmulator } from '../../testing/emulators/index.ts';
import { placeTwilioCall, type CallerResult } from '../../src/sim/carrier-caller.ts';
import { silenceFrames, speechFrames } from '../../src/sim/caller-sounds.ts';
import { parseWav } from '../../src/recording/wav.ts';
import { startTestEdge, type EdgeHarness } from '../helpers/edge-harness.ts';

const GREETING = 'Hello, thank you for calling the clinic. I can book, move or cancel your appointments, and tell you our opening hours.';

/** The best normalized correlation of `b` against `a` over lags of ±maxLag samples (b[i] ~ a[i + offset + lag]). */
function alignedCorrelation(a: Int16Array, b: Int16Array, maxLag: number, offset = 0): { lag: number; r: number } {
  const score = (lag: number) => {
    let ab = 0, aa = 0, bb = 0;
    for (let i = Math.max(0, -lag - offset); i < b.length && i + offset + lag < a.length; i++) {
      const x = a[i + offset + lag], y = b[i];
      ab += x * y; aa += x * x; bb += y * y;
    }
    return aa && bb ? ab / Math.sqrt(aa * bb) : 0;
  };
  let best = { lag: 0, r: -1 };
  for (let lag = -maxLag; lag <= maxLag; lag += 8) { const r = score(lag); if (r > best.r) best = { lag, r }; }
  for (let lag = best.lag - 8; lag <= best.lag + 8; lag++) { const r = score(lag); if (r > best.r) best = { lag, r }; }
  return best;
}

function rms(samples: Int16Array, from: number, to: number): number {
  let sum = 0;
  for (let i = Math.max(0, from); i < Math.min(to, samples.length); i++) sum += samples[i] ** 2;
  return Math.sqrt(sum / Math.max(1, to - from));
}

describe('call recording through a real edge', () => {
  let deepgram: DeepgramEmulator;
  let openai: OpenAiEmulator;
  let harness: EdgeHarness;
  let caller: CallerResult;
  let callerFrames: Uint8Array[];
  let wav: Buffer;
  let store: LocalDiskStore;
  let prefix: string;

  beforeAll(async () => {
    deepgram = await startDeepgramEmulator({ listen: { utterances: [{ transcript: 'Wait, what are your opening hours?' }], finalDelayMs: 50 }, speak: { firstByteMs: 40 } });
    openai = await startOpenAiEmulator({ firstTokenMs: 60, responder: () => ({ text: 'We are open from nine to six, Monday to Saturday.' }) });
    harness = await startTestEdge(
      { deepgramApiKey: 'test-deepgram-key', deepgramBaseUrl: deepgram.url, openaiApiKey: 'test-openai-key', openaiBaseUrl: `${openai.url}/v1` },
      { agent: { ...demoAgent('default'), greeting: GREETING, recording: { mode: 'stereo', encoding: 'mulaw' } } },
    );
    callerFrames = [...silenceFrames(3000), ...(await speechFrames('Wait, what are your opening hours?')), ...silenceFrames(500)];
    caller = await placeTwilioCall({ url: harness.mediaUrl, frames: callerFrames, quietHangupMs: 2000, maxDurationMs: 40_000 });
    store = new LocalDiskStore({ dir: join(harness.dataDir, 'artifacts') });
    const deadline = Date.now() + 10_000;
    let key: string | undefined;
    // The job is complete when its last part (the event log) is stored.
    while (!key && Date.now() < deadline) {
      key = (await store.list('default/')).find((o) => o.key.endsWith(`/${caller.callId}/events.jsonl`))?.key.replace(/events\.jsonl$/, 'recording.wav');
      if (!key) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(key).toBeDefined();
    prefix = key!.slice(0, -'recording.wav'.length);
    const body = await store.get(key!);
    wav = Buffer.concat(await body!.stream.toArray());
  }, 90_000);

  afterAll(async () => {
    await harness?.close();
    await deepgram?.close();
    await openai?.close();
  });

  const channels = () => {
    const info = parseWav(wav);
    const data = wav.subarray(info.dataOffset, info.dataOffset + info.dataBytes);
    const left = new Uint8Array(data.length / 2);
    const right = new Uint8Array(data.length / 2);
    for (let i = 0; i < left.length; i++) { left[i] = data[2 * i]; right[i] = data[2 * i + 1]; }
    return { info, left: decodeMulaw(left), right: decodeMulaw(right) };
  };

  it('stores a stereo mu-law WAV as long as the call', () => {
    const { info, left } = channels();
    expect(info).toMatchObject({ encoding: 'mulaw', channels: 2, sampleRateHz: 8000 });
    expect(left.length / 8000).toBeGreaterThan(callerFrames.length * 0.02 - 0.5);
    expect(Math.abs(left.length / 8000 - caller.durationMs / 1000)).toBeLessThan(1);
  });

  it('has the caller on the left: correlation with what the caller sent above 0.9 after alignment', () => {
    const { left } = channels();
    const sent = decodeMulaw(Buffer.concat(callerFrames));
    const { lag, r } = alignedCorrelation(left, sent, 4000);
    console.log(`left channel vs the caller's audio: r=${r.toFixed(4)} at ${(lag / 8).toFixed(1)} ms`);
    expect(r).toBeGreaterThan(0.9);
  });

  it('has on the right what the carrier played, and the greeting stops there where the barge-in cleared it', () => {
    const { right } = channels();
    const played = decodeMulaw(caller.agentAudio);
    // Each run of agent audio (the greeting up to the clear, then the answer) is aligned on its own: both sides place
    // a run where its first frame went out or came in, on clocks a few ms apart, and speech decorrelates within 2 ms.
    const runs = caller.agentAudioSpans.map((span) => {
      const from = Math.floor(span.startMs * 8);
      const to = Math.min(played.length, Math.ceil(span.endMs * 8) + 160);
      return { from, ...alignedCorrelation(right, played.subarray(from, to), 4000, from) };
    });
    console.log(`right channel vs the audio the caller received, per run: ${runs.map((run) => `r=${run.r.toFixed(4)} at ${(run.lag / 8).toFixed(1)} ms`).join('; ')}; clears at ${caller.clears.map((c) => c.toFixed(0)).join(', ')} ms`);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    for (const run of runs) expect(run.r).toBeGreaterThan(0.9);
    // The runs line up with each other within a few ms: one call clock.
    expect(Math.max(...runs.map((run) => run.lag)) - Math.min(...runs.map((run) => run.lag))).toBeLessThan(80);
    const lag = runs[0].lag;
    expect(caller.clears.length).toBeGreaterThanOrEqual(1);
    const clearAt = Math.round(caller.clears.at(-1)! * 8) + lag; // the clear, in recording samples
    expect(rms(right, clearAt - 2400, clearAt)).toBeGreaterThan(300); // the greeting was playing
    expect(rms(right, clearAt + 160, clearAt + 4000)).toBeLessThan(30); // cut: silence for the next half second
    // The caller's copy still holds the frames in flight at the clear; the recording stops within a frame of it.
    let lastLoud = clearAt - 2400;
    for (let i = clearAt - 2400; i < clearAt + 4000; i += 40) if (rms(right, i, i + 40) > 100) lastLoud = i;
    expect(Math.abs(lastLoud - clearAt)).toBeLessThan(240);
  });

  it('stores the transcripts and the event log beside it', async () => {
    const names = (await store.list(prefix)).map((o) => o.key.slice(prefix.length));
    expect(names).toEqual(['events.jsonl', 'recording.wav', 'transcript.json', 'transcript.txt']);
    const transcript = JSON.parse(await text((await store.get(`${prefix}transcript.json`))!.stream));
    expect(transcript.lines.map((l: { speaker: string }) => l.speaker)).toEqual(['agent', 'caller', 'agent']);
    expect(transcript.lines[0].interrupted).toBe(true);
    expect(GREETING.startsWith(transcript.lines[0].text)).toBe(true);
    expect(transcript.lines[1].text).toBe('Wait, what are your opening hours?');
    const plain = await text((await store.get(`${prefix}transcript.txt`))!.stream);
    expect(plain).toMatch(/^\[00:0\d\.\d\] Agent: .+ \[interrupted\]\n\[00:0\d\.\d\] Caller: Wait, what are your opening hours\?\n/);
    const events = (await text((await store.get(`${prefix}events.jsonl`))!.stream)).trim().split('\n').map((l) => JSON.parse(l));
    expect(events[0].kind).toBe('callStarted');
    expect(events.at(-1).kind).toBe('callEnded');
    expect(events.some((e) => e.kind === 'bargeIn')).toBe(true);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  });
});
