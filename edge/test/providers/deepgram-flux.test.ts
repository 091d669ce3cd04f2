// Deepgram Flux through the real @deepgram/sdk (listen v2) and the Flux adapter, against the loopback Deepgram
// emulator's /v2/listen; the caller is Flite speech streamed in real time, 20 ms frames of 8 kHz mu-law.
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { decodeMulaw } from '@invorto/dsp/g711.ts';
import { validateAgentConfig } from '@invorto/proto/agent-config.ts';
import { FLUX_DEFAULTS, startDeepgramEmulator, type DeepgramEmulator, type DeepgramEmulatorOptions } from '../../testing/emulators/index.ts';
import { createDeepgramFluxAsr, type FluxConfig } from '../../src/providers/deepgram/flux-asr.ts';
import { ProviderRegistry } from '../../src/providers/registry.ts';
import { TELEPHONY_FORMAT, type AsrSession, type AsrTurnInfo, type AudioFormat, type TranscriptEvent } from '../../src/providers/types.ts';
import { firstVoicedMs, lastVoicedEndMs, silenceFrames, speechFrames } from '../../src/sim/caller-sounds.ts';
import type { AgentConfig } from '../../src/agents/types.ts';

const KEY = 'test-deepgram-key';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let emulator: DeepgramEmulator;
let abort: AbortController;
afterEach(async () => {
  abort?.abort();
  await emulator?.close();
});

async function openFlux(options: DeepgramEmulatorOptions, config: Partial<FluxConfig> = {}, format: AudioFormat = TELEPHONY_FORMAT, model?: string): Promise<AsrSession> {
  emulator = await startDeepgramEmulator(options);
  abort = new AbortController();
  return createDeepgramFluxAsr({ apiKey: KEY, baseUrl: emulator.url, ...config }).open({ callId: 'flux', language: 'en-US', signal: abort.signal }, { format, model });
}

/** What a session emitted, each with the wall-clock time it arrived. */
function record(session: AsrSession) {
  const turns: (AsrTurnInfo & { atMs: number })[] = [];
  const transcripts: (TranscriptEvent & { atMs: number })[] = [];
  const utteranceEnds: number[] = [];
  const closes: string[] = [];
  session.on('turn', (t) => turns.push({ ...t, atMs: performance.now() }));
  session.on('transcript', (t) => transcripts.push({ ...t, atMs: performance.now() }));
  session.on('utteranceEnd', () => utteranceEnds.push(performance.now()));
  session.on('closed', ({ reason }) => closes.push(reason));
  const events = (...kinds: AsrTurnInfo['event'][]) => turns.filter((t) => kinds.includes(t.event));
  return { turns, transcripts, utteranceEnds, closes, events };
}

/** The frames from the first voiced one through the last. */
const voiced = (frames: Uint8Array[]) => frames.slice(firstVoicedMs(frames) / 20, lastVoicedEndMs(frames) / 20);

/**
 * Pushes frames as a carrier does: frame i (audio i*20..(i+1)*20 ms) when it has been heard, at t0 + (i+1)*20 ms.
 * Returns t0, so that audio time t is wall time t0 + t.
 */
async function streamRealTime(session: AsrSession, frames: Uint8Array[]): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < frames.length; i++) {
    const due = t0 + (i + 1) * 20;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    session.push(frames[i]);
  }
  return t0;
}

describe('Deepgram Flux ASR adapter', () => {
  it('one utterance: StartOfTurn, Updates, EndOfTurn with the scripted words, a final transcript, in 80 ms mu-law chunks', async () => {
    const words = 'What time do you open tomorrow';
    const speech = await speechFrames(words);
    const endAfterMs = 260;
    const session = await openFlux({ flux: { turns: [{ transcript: words, confidence: 0.9 }], endAfterMs } });
    const seen = record(session);
    const frames = [...silenceFrames(200), ...speech, ...silenceFrames(800)];
    const t0 = await streamRealTime(session, frames);
    const speechEndMs = t0 + 200 + lastVoicedEndMs(speech);
    await session.close();

    const [request] = emulator.fluxRequests;
    expect(request.authorization).toBe(`Token ${KEY}`);
    expect(request.query).toEqual({ model: 'flux-general-en', encoding: 'mulaw', sample_rate: '8000' });
    expect(request.audioBytes).toBe(frames.length * 160);
    // Every message but the partial one flushed at close is 80 ms: 640 bytes of 8 kHz mu-law.
    expect(request.chunkBytes.slice(0, -1).every((n) => n === 640)).toBe(true);
    expect(request.chunkBytes.at(-1)).toBe((frames.length * 160) % 640 || 640);
    expect(request.controls).toEqual(['CloseStream']);

    expect(seen.turns[0]).toMatchObject({ event: 'StartOfTurn', turnIndex: 0 });
    expect(seen.events('Update').length).toBeGreaterThanOrEqual(3);
    expect(seen.events('EagerEndOfTurn', 'TurnResumed')).toEqual([]); // no eager threshold, no eager events
    const ends = seen.events('EndOfTurn');
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ transcript: words, turnIndex: 0 });
    expect(ends[0].endOfTurnConfidence).toBeGreaterThanOrEqual(0.7);
    expect(seen.turns.at(-1)?.event).toBe('EndOfTurn');

    const finals = seen.transcripts.filter((t) => t.isFinal);
    expect(finals).toMatchObject([{ text: words, isFinal: true, speechFinal: true }]);
    expect(finals[0].confidence).toBeCloseTo(0.9);
    expect(seen.transcripts.filter((t) => !t.isFinal).length).toBeGreaterThanOrEqual(2);
    expect(seen.utteranceEnds).toHaveLength(1);

    // In caller audio the turn ends exactly 260 ms after the speech (to the frame); on the wall clock, batching can
    // hold the deciding frame back up to 60 ms more, and a loaded host adds its own delay, so that bound is loose.
    const audioDelayMs = ends[0].audioWindowEndS * 1000 - (200 + lastVoicedEndMs(speech));
    expect(audioDelayMs).toBeGreaterThanOrEqual(endAfterMs - 1);
    expect(audioDelayMs).toBeLessThanOrEqual(endAfterMs + 21);
    const latencyMs = ends[0].atMs - speechEndMs;
    console.log(`Flux end of turn: ${latencyMs.toFixed(0)} ms after speech ended on the wall clock, ${audioDelayMs.toFixed(0)} ms in caller audio (scripted ${endAfterMs} ms of silence)`);
    expect(latencyMs).toBeGreaterThanOrEqual(endAfterMs - 20);
    expect(latencyMs).toBeLessThan(endAfterMs + 250);
  });

  it('with an eager threshold: EagerEndOfTurn comes before EndOfTurn by about the scripted gap', async () => {
    const words = 'I would like to book a table';
    const speech = await speechFrames(words);
    // The emulator's default timing, after Deepgram's figures: end of turn 260 ms after speech, the eager one 160 ms sooner.
    const { eagerAfterMs, endAfterMs } = FLUX_DEFAULTS;
    const session = await openFlux({ flux: { turns: [{ transcript: words }] } }, { eotThreshold: 0.8, eagerEotThreshold: 0.5, eotTimeoutMs: 3000 });
    const seen = record(session);
    const t0 = await streamRealTime(session, [...silenceFrames(200), ...speech, ...silenceFrames(800)]);
    const speechEndMs = t0 + 200 + lastVoicedEndMs(speech);
    await session.close();

    expect(emulator.fluxRequests[0].query).toMatchObject({ eot_threshold: '0.8', eager_eot_threshold: '0.5', eot_timeout_ms: '3000' });
    const decisive = seen.turns.filter((t) => t.event !== 'Update').map((t) => [t.event, t.transcript]);
    expect(decisive).toEqual([['StartOfTurn', ''], ['EagerEndOfTurn', words], ['EndOfTurn', words]]);
    const [eager] = seen.events('EagerEndOfTurn');
    const [end] = seen.events('EndOfTurn');
    expect(eager.endOfTurnConfidence).toBe(0.5);
    const gainMs = end.atMs - eager.atMs;
    console.log(`Flux eager end of turn: ${(eager.atMs - speechEndMs).toFixed(0)} ms after speech ended, end of turn ${(end.atMs - speechEndMs).toFixed(0)} ms: eager gain ${gainMs.toFixed(0)} ms (scripted ${endAfterMs - eagerAfterMs} ms)`);
    // Exact in caller audio (to the frame), about right on the wall clock (80 ms chunks quantize both events).
    expect(Math.abs((end.audioWindowEndS - eager.audioWindowEndS) * 1000 - (endAfterMs - eagerAfterMs))).toBeLessThanOrEqual(21);
    expect(Math.abs(gainMs - (endAfterMs - eagerAfterMs))).toBeLessThanOrEqual(100);
    // The final transcript is the EndOfTurn's: the eager guess is only a turn event.
    const finals = seen.transcripts.filter((t) => t.isFinal);
    expect(finals.map((t) => t.text)).toEqual([words]);
    expect(finals[0].atMs).toBeGreaterThanOrEqual(end.atMs);
  });

  it('a caller who goes on after an eager end of turn: TurnResumed, then one EndOfTurn with all the words', async () => {
    const [first, second] = ['I would like to book a table', 'for two people tonight'];
    // The pause between the two is exactly 300 ms: Flite's own leading and trailing silence is cut off.
    const frames = [...silenceFrames(200), ...voiced(await speechFrames(first)), ...silenceFrames(300), ...voiced(await speechFrames(second)), ...silenceFrames(900)];
    const session = await openFlux({ flux: { turns: [{ transcript: [first, second] }], eagerAfterMs: 120, endAfterMs: 600 } }, { eagerEotThreshold: 0.4 });
    const seen = record(session);
    await streamRealTime(session, frames);
    await session.close();

    const decisive = seen.turns.filter((t) => t.event !== 'Update').map((t) => [t.event, t.transcript]);
    expect(decisive).toEqual([
      ['StartOfTurn', ''],
      ['EagerEndOfTurn', first],
      ['TurnResumed', first],
      ['EagerEndOfTurn', `${first} ${second}`],
      ['EndOfTurn', `${first} ${second}`],
    ]);
    expect(new Set(seen.turns.map((t) => t.turnIndex))).toEqual(new Set([0]));
    // The runtime hears one final for the whole turn, not one per eager guess.
    expect(seen.transcripts.filter((t) => t.isFinal).map((t) => t.text)).toEqual([`${first} ${second}`]);
  });

  it('16 kHz linear16 goes out in 80 ms chunks of 2560 bytes; finalize sends a partial chunk at once', async () => {
    const session = await openFlux({ flux: { turns: [] } }, {}, { encoding: 'linear16', sampleRateHz: 16000 });
    // 16 kHz PCM of a sentence: each 8 kHz sample twice (enough for an energy detector).
    const pcm8k = decodeMulaw(Buffer.concat(await speechFrames('hello')));
    const pcm16k = new Int16Array(pcm8k.length * 2).map((_, i) => pcm8k[i >> 1]);
    const bytes = new Uint8Array(pcm16k.buffer);
    const frames = Array.from({ length: Math.floor(bytes.length / 640) }, (_, i) => bytes.subarray(i * 640, (i + 1) * 640));
    for (const frame of frames.slice(0, 10)) session.push(frame); // 200 ms: two chunks and a half
    session.finalize();
    await expect.poll(() => emulator.fluxRequests[0].chunkBytes).toEqual([2560, 2560, 1280]);
    expect(emulator.fluxRequests[0].query).toMatchObject({ encoding: 'linear16', sample_rate: '16000' });
    await session.close();
  });

  it('keepAlive sends what is buffered, then 80 ms of silence (Flux has no KeepAlive message)', async () => {
    const session = await openFlux({ flux: { turns: [] } });
    const seen = record(session);
    for (const frame of silenceFrames(60)) session.push(frame);
    session.keepAlive?.();
    await expect.poll(() => emulator.fluxRequests[0].chunkBytes).toEqual([480, 640]);
    await session.close();
    expect(seen.turns).toEqual([]);
  });

  it('an Error from the service is an error event, and the close that follows names it', async () => {
    const session = await openFlux({ flux: { turns: [], fatalAfterMessages: 2 } });
    const seen = record(session);
    const errors: string[] = [];
    session.on('error', (error) => errors.push(error.message));
    for (const frame of silenceFrames(240)) session.push(frame);
    await expect.poll(() => seen.closes).toEqual(['Deepgram Flux socket closed (1011, INTERNAL_SERVER_ERROR: emulated failure)']);
    expect(errors).toEqual(['Deepgram Flux reported INTERNAL_SERVER_ERROR: emulated failure']);
  });

  it('flux-general-multi is hinted with the agent\'s languages', async () => {
    emulator = await startDeepgramEmulator({ flux: { turns: [] } });
    abort = new AbortController();
    const provider = createDeepgramFluxAsr({ apiKey: KEY, baseUrl: emulator.url, model: 'flux-general-multi' });
    const session = await provider.open({ callId: 'multi', language: 'en-IN', languages: ['en-IN', 'hi-IN'], signal: abort.signal }, { format: TELEPHONY_FORMAT });
    expect(emulator.fluxRequests[0].query.model).toBe('flux-general-multi');
    expect(emulator.fluxRequests[0].languageHints).toEqual(['en', 'hi']);
    await session.close();
  });

  it('a wrong key is refused with an error that names the fix', async () => {
    await expect(openFlux({ apiKey: 'the-right-key' })).rejects.toThrow(/rejected the API key \(401\).*DEEPGRAM_API_KEY/);
  });

  it('an unknown model, or an eager threshold above the end-of-turn one, is refused (400) with an error naming asr.model and asr.flux', async () => {
    await expect(openFlux({}, {}, TELEPHONY_FORMAT, 'nova-3')).rejects.toThrow(/refused the request \(400\).*asr\.model \("nova-3"/);
    await emulator.close();
    await expect(openFlux({}, { eotThreshold: 0.6, eagerEotThreshold: 0.8 })).rejects.toThrow(/400.*asr\.flux.*"eagerEotThreshold":0\.8/);
    expect(emulator.fluxRequests).toEqual([]);
  });

  it('the emulator refuses what the service refuses, at the upgrade with HTTP 400', async () => {
    emulator = await startDeepgramEmulator();
    const status = (query: string, key = KEY) => new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${emulator.port}/v2/listen?${query}`, { headers: { Authorization: `Token ${key}` } });
      ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate(); });
      ws.on('open', () => { resolve(101); ws.close(); });
      ws.on('error', (error) => { if (!/Unexpected server response/.test(error.message)) reject(error); });
    });
    const good = 'model=flux-general-en&encoding=mulaw&sample_rate=8000';
    expect(await status(good)).toBe(101);
    expect(await status(good, 'wrong')).toBe(401);
    expect(await status('model=nova-3&encoding=mulaw&sample_rate=8000')).toBe(400);
    expect(await status('model=flux-general-en&encoding=flac&sample_rate=8000')).toBe(400);
    expect(await status('model=flux-general-en&encoding=mulaw&sample_rate=11025')).toBe(400);
    expect(await status(`${good}&eot_threshold=0.4`)).toBe(400);
    expect(await status(`${good}&eager_eot_threshold=0.95`)).toBe(400);
    expect(await status(`${good}&eot_timeout_ms=100`)).toBe(400);
    expect(await status(`${good}&eot_threshold=0.6&eager_eot_threshold=0.7`)).toBe(400);
    expect(await status(`${good}&language_hint=en`)).toBe(400);
    expect(await status('model=flux-general-multi&encoding=linear16&sample_rate=16000&language_hint=en&language_hint=hi')).toBe(101);
  });

  it('a socket lost mid-call is reported as closed, with a reason the failover wrapper acts on', async () => {
    const session = await openFlux({ flux: { turns: [{ transcript: 'hello' }], dropAfterMessages: 3 } });
    const seen = record(session);
    for (const frame of silenceFrames(400)) session.push(frame); // five 80 ms chunks: the fourth is not taken
    await expect.poll(() => seen.closes).toEqual([expect.stringMatching(/^Deepgram Flux socket closed \(\d+\)$/)]);
    expect(emulator.fluxRequests[0].chunkBytes).toEqual([640, 640, 640]);
  });

  it('eot_timeout_ms ends a turn the model would hold longer', async () => {
    const speech = voiced(await speechFrames('hello there'));
    const session = await openFlux({ flux: { turns: [{ transcript: 'hello there', endAfterMs: 3000 }] } }, { eotTimeoutMs: 500 });
    const seen = record(session);
    // The emulator keeps time by the audio, so the frames need not come in real time here.
    for (const frame of [...silenceFrames(100), ...speech, ...silenceFrames(1000)]) session.push(frame);
    await expect.poll(() => seen.events('EndOfTurn').length).toBe(1);
    const [end] = seen.events('EndOfTurn');
    expect(end.audioWindowEndS * 1000 - (100 + speech.length * 20)).toBeCloseTo(500, -1);
    await session.close();
  });

  it('the registry opens deepgram-flux with the agent\'s model default and asr.flux thresholds; transcripts reach the call through the failover wrapper', async () => {
    emulator = await startDeepgramEmulator({ flux: { turns: [{ transcript: 'book a table' }] } });
    abort = new AbortController();
    const registry = new ProviderRegistry({ deepgramApiKey: KEY, deepgramBaseUrl: emulator.url, openaiApiKey: '', openaiBaseUrl: '', openaiModel: '' });
    const providers = await registry.forAgent(agentWith({ provider: 'deepgram-flux', flux: { eotThreshold: 0.75, eagerEotThreshold: 0.45, eotTimeoutMs: 2500 } }));
    const session = await providers.asr.open({ callId: 'reg', language: 'en-US', signal: abort.signal }, { format: TELEPHONY_FORMAT });
    expect(emulator.fluxRequests[0].query).toEqual({ model: 'flux-general-en', encoding: 'mulaw', sample_rate: '8000', eot_threshold: '0.75', eager_eot_threshold: '0.45', eot_timeout_ms: '2500' });
    const finals: TranscriptEvent[] = [];
    session.on('transcript', (t) => { if (t.isFinal) finals.push(t); });
    for (const frame of [...await speechFrames('book a table'), ...silenceFrames(600)]) session.push(frame);
    await expect.poll(() => finals.map((t) => [t.text, t.speechFinal])).toEqual([['book a table', true]]);
    await session.close();
  });
});

function agentWith(asr: AgentConfig['asr']): AgentConfig {
  return {
    id: 'flux-agent', tenantId: 't1', name: 'Flux', language: 'en-US', systemPrompt: '', greeting: '', fillers: [],
    asr, llm: { provider: 'scripted' }, tts: { provider: 'flite' }, intents: [], fallbackReply: 'Sorry?', turn: { silenceMs: 600, eagerness: 0.5 },
  };
}

describe('agent asr.flux settings', () => {
  const problems = (flux: unknown) => validateAgentConfig(agentWith({ provider: 'deepgram-flux', flux } as AgentConfig['asr']));

  it('takes thresholds and a timeout in range', () => {
    expect(problems({ eotThreshold: 0.8, eagerEotThreshold: 0.5, eotTimeoutMs: 3000 })).toEqual([]);
    expect(problems({ eotThreshold: 0.5, eagerEotThreshold: 0.5 })).toEqual([]);
    expect(problems({ eagerEotThreshold: 0.7 })).toEqual([]); // at most Deepgram's default 0.7
    expect(problems({})).toEqual([]);
  });

  it('refuses values out of range, naming the field and the range', () => {
    expect(problems({ eotThreshold: 0.95 })).toEqual(['"asr.flux.eotThreshold" must be a number from 0.5 to 0.9']);
    expect(problems({ eagerEotThreshold: 0.2 })).toEqual(['"asr.flux.eagerEotThreshold" must be a number from 0.3 to 0.9, at most asr.flux.eotThreshold']);
    expect(problems({ eotTimeoutMs: 20_000 })).toEqual(['"asr.flux.eotTimeoutMs" must be a number of milliseconds from 500 to 10000']);
    expect(problems({ eotTimeoutMs: '900' })).toEqual(['"asr.flux.eotTimeoutMs" must be a number of milliseconds from 500 to 10000']);
    expect(problems({ eotThreshold: 0.8, eager: 0.5 })).toEqual(['unknown field "asr.flux.eager"']);
  });

  it('refuses an eager threshold above the end-of-turn one (set, or Deepgram\'s default 0.7)', () => {
    expect(problems({ eotThreshold: 0.6, eagerEotThreshold: 0.65 })).toEqual(['"asr.flux.eagerEotThreshold" (0.65) must be at most "asr.flux.eotThreshold" (0.6): an eager end of turn comes before the end of turn']);
    expect(problems({ eagerEotThreshold: 0.8 })).toEqual([expect.stringMatching(/at most Deepgram's default 0\.7 \(asr\.flux\.eotThreshold is unset\)/)]);
  });
});
