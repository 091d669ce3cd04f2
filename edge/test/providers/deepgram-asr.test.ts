// The Deepgram ASR adapter through the real @deepgram/sdk against the loopback Deepgram emulator.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoCorpusDir } from '@invorto/dsp/corpus.ts';
import { readWav } from '@invorto/dsp/wav.ts';
import { startDeepgramEmulator, type DeepgramEmulator } from '../../testing/emulators/index.ts';
import { createDeepgramAsr } from '../../src/providers/deepgram/asr.ts';
import { EngineChain } from '../../src/providers/resilience/engine-chain.ts';
import { failoverAsr, type FailoverAsrSession } from '../../src/providers/resilience/failover-asr.ts';
import { ProviderBreakers } from '../../src/providers/resilience/policies.ts';
import { TELEPHONY_FORMAT, type TranscriptEvent } from '../../src/providers/types.ts';

// A clip of the repository's own corpus (generated at build time): four utterances in white noise at 20 dB SNR.
const clip = readWav(readFileSync(join(repoCorpusDir, 'vad/repo-01-white-20db.ulaw8k.wav')));
const labels = JSON.parse(readFileSync(join(repoCorpusDir, 'vad/repo-01-white-20db.json'), 'utf8'));

async function stream(session: { push(a: Uint8Array): void }, audio: Uint8Array, realTimeFactor = 20): Promise<void> {
  for (let offset = 0; offset < audio.length; offset += 160) {
    session.push(audio.subarray(offset, offset + 160));
    if ((offset / 160) % realTimeFactor === 0) await new Promise((r) => setTimeout(r, 20));
  }
}

/** Deepgram behind the failover wrapper, as every call has it: keep-alives, reconnects and the replay are the wrapper's. */
const wrapped = (config: { apiKey: string; baseUrl: string }, keepAliveMs?: number) =>
  failoverAsr(new EngineChain([createDeepgramAsr(config)], { breakers: new ProviderBreakers(), stage: 'asr', keepAliveMs }));

describe('Deepgram live ASR adapter', () => {
  let emulator: DeepgramEmulator;
  afterEach(async () => { await emulator?.close(); });

  it('sends mu-law 8 kHz with the right query and key, and maps interim and final results', async () => {
    emulator = await startDeepgramEmulator({ listen: { utterances: labels.texts.map((transcript: string) => ({ transcript, confidence: 0.93 })), speechThresholdDbfs: -32 } });
    const abort = new AbortController();
    const session = await createDeepgramAsr({ apiKey: 'test-deepgram-key', baseUrl: emulator.url }).open({ callId: 'c1', language: 'en-US', signal: abort.signal }, { format: TELEPHONY_FORMAT });
    const transcripts: TranscriptEvent[] = [];
    let speechStarted = 0;
    session.on('transcript', (t) => transcripts.push(t));
    session.on('speechStarted', () => { speechStarted++; });
    await stream(session, clip.data);
    await session.close();
    abort.abort();
    const [request] = emulator.listenRequests;
    expect(request.authorization).toBe('Token test-deepgram-key');
    expect(request.query).toMatchObject({ model: 'nova-3', encoding: 'mulaw', sample_rate: '8000', channels: '1', interim_results: 'true', vad_events: 'true', language: 'en-US' });
    expect(request.audioBytes).toBe(clip.data.length);
    expect(request.controls).toContain('CloseStream');
    const finals = transcripts.filter((t) => t.isFinal && t.text);
    expect(finals.length).toBeGreaterThanOrEqual(3);
    expect(finals[0].text).toBe(labels.texts[0]);
    expect(finals[0].confidence).toBeCloseTo(0.93);
    expect(transcripts.some((t) => !t.isFinal)).toBe(true);
    expect(speechStarted).toBeGreaterThan(0);
  });

  it('Finalize yields a final for speech not yet endpointed', async () => {
    emulator = await startDeepgramEmulator({ listen: { utterances: [{ transcript: 'hello there' }] } });
    const abort = new AbortController();
    const session = await createDeepgramAsr({ apiKey: 'test-deepgram-key', baseUrl: emulator.url }).open({ callId: 'c2', language: 'en-US', signal: abort.signal }, { format: TELEPHONY_FORMAT });
    const final = new Promise<TranscriptEvent>((resolve) => session.on('transcript', (t) => { if (t.isFinal) resolve(t); }));
    const speech = clip.data.subarray(Math.round(labels.speech_segments[1][0] * 8000), Math.round(labels.speech_segments[1][1] * 8000));
    await stream(session, speech);
    session.finalize();
    expect((await final).text).toBe('hello there');
    expect(emulator.listenRequests[0].controls).toContain('Finalize');
    await session.close();
    abort.abort();
  });

  it('keeps a silent line open with KeepAlive messages (sent by the failover wrapper)', async () => {
    emulator = await startDeepgramEmulator();
    const abort = new AbortController();
    const session = await wrapped({ apiKey: 'test-deepgram-key', baseUrl: emulator.url }, 100).open({ callId: 'c4', language: 'en-US', signal: abort.signal }, { format: TELEPHONY_FORMAT });
    await new Promise((r) => setTimeout(r, 400));
    expect(emulator.listenRequests[0].controls.filter((c) => c === 'KeepAlive').length).toBeGreaterThanOrEqual(2);
    await session.close();
    abort.abort();
  });

  it('refuses a wrong key with an error that names the fix', async () => {
    emulator = await startDeepgramEmulator();
    const abort = new AbortController();
    const opening = createDeepgramAsr({ apiKey: 'wrong', baseUrl: emulator.url }).open({ callId: 'c3', language: 'en-US', signal: abort.signal }, { format: TELEPHONY_FORMAT });
    await expect(opening).rejects.toThrow(/DEEPGRAM_API_KEY/);
    abort.abort();
  });

  it('a socket dropped mid-utterance is replaced and the unfinalized audio replayed: the utterance still comes out whole', async () => {
    // The first connection is cut in the middle of the clip's second utterance.
    const [secondStartS, secondEndS] = labels.speech_segments[1];
    const dropS = Math.round((secondStartS + secondEndS) * 25) / 50;
    emulator = await startDeepgramEmulator({ listen: { utterances: labels.texts.map((transcript: string) => ({ transcript })), speechThresholdDbfs: -32, dropAfterMessages: dropS * 50 } });
    const abort = new AbortController();
    const session = await wrapped({ apiKey: 'test-deepgram-key', baseUrl: emulator.url }).open({ callId: 'c-drop', language: 'en-US', signal: abort.signal }, { format: TELEPHONY_FORMAT }) as FailoverAsrSession;
    const finals: TranscriptEvent[] = [];
    const failovers: { from: string; to: string }[] = [];
    session.on('transcript', (t) => { if (t.isFinal && t.text) finals.push(t); });
    session.on('failover', (f) => failovers.push(f));
    const cut = Math.round(labels.speech_segments[1][1] * 8000); // through the end of the second utterance
    await stream(session, clip.data.subarray(0, cut + 8000));
    await new Promise((r) => setTimeout(r, 1500));
    await session.close();
    abort.abort();
    expect(failovers).toMatchObject([{ from: 'deepgram', to: 'deepgram' }]); // reconnected
    expect(emulator.listenRequests).toHaveLength(2);
    // The new socket heard again everything after the first final (which came between the first two utterances),
    // not just what came after the drop.
    const sent = cut + 8000;
    expect(emulator.listenRequests[1].audioBytes).toBeGreaterThan(sent - (dropS - 0.5) * 8000);
    // Every utterance the caller finished is transcribed once: the first before the drop, the second after it.
    expect(finals.map((t) => t.text)).toEqual(labels.texts.slice(0, 2));
    expect(finals[1].startS).toBeGreaterThan(labels.speech_segments[0][1]);
  });

  it('keeps at most 30 s of unfinalized audio for a replay: beyond it the oldest is dropped and counted', async () => {
    // Deepgram never finalizes here (no speech crosses the emulator's threshold): nothing is ever acknowledged.
    emulator = await startDeepgramEmulator({ listen: { utterances: [], speechThresholdDbfs: 10 } });
    const abort = new AbortController();
    const session = await wrapped({ apiKey: 'test-deepgram-key', baseUrl: emulator.url }).open({ callId: 'c-bound', language: 'en-US', signal: abort.signal }, { format: TELEPHONY_FORMAT });
    const seconds = 36;
    await stream(session, Buffer.concat(Array.from({ length: Math.ceil(seconds * 8000 / clip.data.length) }, () => clip.data)).subarray(0, seconds * 8000), 400);
    const dropped = session.droppedBytes ?? 0;
    await session.close();
    abort.abort();
    expect(dropped).toBeGreaterThanOrEqual(5.9 * 8000);
    expect(dropped).toBeLessThanOrEqual(6.1 * 8000);
  });
});

