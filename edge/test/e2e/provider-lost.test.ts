// Every engine of a stage gone mid-call, with the real Deepgram SDK against its emulator (which refuses every
// reconnection once it dropped a socket) and a second engine that will not open either: the call ends with reason
// `provider-lost` within 3 s. Without ears, the agent first apologises in the voice it still has; without a voice,
// it hangs up at once.
import { afterEach, describe, expect, it } from 'vitest';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { startDeepgramEmulator, type DeepgramEmulator } from '../../testing/emulators/index.ts';
import { createDeepgramAsr } from '../../src/providers/deepgram/asr.ts';
import { createDeepgramTts } from '../../src/providers/deepgram/tts.ts';
import { EngineChain } from '../../src/providers/resilience/engine-chain.ts';
import { failoverAsr } from '../../src/providers/resilience/failover-asr.ts';
import { failoverTts } from '../../src/providers/resilience/failover-tts.ts';
import { ProviderBreakers } from '../../src/providers/resilience/policies.ts';
import { FakeAsrProvider, FakeLlm, FakeTtsProvider } from '../../src/providers/testing/index.ts';
import type { AsrSession, TtsSession } from '../../src/providers/types.ts';
import { Call } from '../../src/runtime/call.ts';
import type { CallEvents } from '../../src/runtime/call-events.ts';
import { Pacer } from '../../src/runtime/pacer.ts';
import { silenceFrames } from '../../src/sim/caller-sounds.ts';
import type { CarrierOutput } from '../../src/transports/types.ts';
import { silentLogger } from '../../src/util/log.ts';

let deepgram: DeepgramEmulator | null = null;
const pacer = new Pacer();
afterEach(async () => {
  pacer.stop();
  await deepgram?.close();
  deepgram = null;
});

/** A call on Deepgram (then an engine that will not open), fed silence in real time until it ends. */
async function callUntilEnded(options: { dropListenAfter?: number; dropSpeakAfter?: number }) {
  deepgram = await startDeepgramEmulator({
    listen: { utterances: [], ...(options.dropListenAfter !== undefined ? { dropAfterMessages: options.dropListenAfter, refuseAfterDrop: true } : {}) },
    speak: { firstByteMs: 20, chunkMs: 20, ...(options.dropSpeakAfter !== undefined ? { dropAfterAudioMessages: options.dropSpeakAfter, refuseAfterDrop: true } : {}) },
  });
  const config = { apiKey: 'test-deepgram-key', baseUrl: deepgram.url };
  const breakers = new ProviderBreakers();
  const deadAsr = new FakeAsrProvider('offline');
  deadAsr.failOpens(new Error('offline speech recognition is not installed'));
  const deadTts = new FakeTtsProvider('offline');
  deadTts.failOpens(new Error('offline voice is not installed'));
  const asr = failoverAsr(new EngineChain<AsrSession>([createDeepgramAsr(config), deadAsr], { breakers, stage: 'asr' }));
  // Dead when it opens: the second engine serves only after the vendor is lost.
  const tts = failoverTts(new EngineChain<TtsSession>([createDeepgramTts(config), deadTts], { breakers, stage: 'tts' }));
  const carrier = { frames: 0, framesAtLoss: 0, hangups: [] as string[] };
  let call: Call | null = null;
  const output: CarrierOutput = {
    format: { encoding: 'mulaw', sampleRateHz: 8000 }, chunkBytes: 160,
    writable: () => true,
    sendAudio: () => { carrier.frames++; return true; },
    sendMark: (name) => { setImmediate(() => call?.onMark(name)); },
    clear: () => {},
    hangup: (reason) => { carrier.hangups.push(reason); },
  };
  call = new Call({
    callId: 'lost', transport: 'test', agent: { ...demoAgent('t'), greeting: 'Hi.' }, providers: { asr, tts, llm: new FakeLlm() }, output, pacer, log: silentLogger,
    start: { carrierCallId: 'c', streamId: 's', parameters: {}, format: { encoding: 'mulaw', sampleRateHz: 8000 } },
  });
  const failovers: CallEvents['failover'][] = [];
  let lostAtMs = 0;
  call.on('failover', (f) => {
    failovers.push(f);
    if (!f.to && !lostAtMs) { lostAtMs = performance.now(); carrier.framesAtLoss = carrier.frames; }
  });
  const ended = new Promise<CallEvents['ended'] & { atMs: number }>((resolve) => call!.on('ended', (e) => resolve({ ...e, atMs: performance.now() })));
  await call.begin();
  let over = false;
  void ended.then(() => { over = true; });
  for (const frame of silenceFrames(10_000)) {
    if (over) break;
    call.pushAudio(frame);
    await new Promise((r) => setTimeout(r, 20));
  }
  const end = await ended;
  return { end, failovers, lostAtMs, carrier, speakTexts: deepgram.speakRequests.flatMap((r) => r.texts) };
}

describe('every engine of a stage lost mid-call', () => {
  it('no ASR left: the agent apologises in its voice and the call ends provider-lost within 3 s', async () => {
    const { end, failovers, lostAtMs, carrier, speakTexts } = await callUntilEnded({ dropListenAfter: 100 });
    expect(failovers).toMatchObject([{ stage: 'asr', from: 'deepgram', to: '' }]);
    expect(end.reason).toBe('provider-lost');
    expect(end.detail).toMatch(/speech recognition lost/);
    const endMs = end.atMs - lostAtMs;
    console.log(`every ASR engine lost: apology said, call ended ${endMs.toFixed(0)} ms after the loss`);
    expect(endMs).toBeLessThan(3000);
    expect(speakTexts.join(' ')).toMatch(/Sorry, the line is failing/);
    expect(carrier.frames - carrier.framesAtLoss).toBeGreaterThan(25); // the apology's audio went out
    expect(carrier.hangups).toHaveLength(1);
  });

  it('no voice left: the call ends provider-lost at once, with nothing said', async () => {
    // The greeting's audio is cut after 3 messages; Deepgram then refuses, and the second voice will not open.
    const { end, failovers, lostAtMs, carrier } = await callUntilEnded({ dropSpeakAfter: 3 });
    expect(failovers.at(-1)).toMatchObject({ stage: 'tts', to: '' });
    expect(end.reason).toBe('provider-lost');
    expect(end.detail).toMatch(/text-to-speech lost/);
    const endMs = end.atMs - lostAtMs;
    console.log(`every TTS engine lost: call ended ${endMs.toFixed(0)} ms after the loss`);
    expect(endMs).toBeLessThan(3000);
    expect(carrier.hangups).toHaveLength(1);
  });
});
