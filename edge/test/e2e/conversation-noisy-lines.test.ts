// Coughs and backchannels over the agent on lines a new user meets: a steady noise bed, and a mobile line with
// discontinuous transmission (digital silence between utterances, a low noise bed only while the caller talks).
// The ASR behaves as the offline engine does: it makes "you" of a cough or a "yeah", and gives no confidence. Neither
// may interrupt the agent; "wait, stop" over the same answer still stops it within the detector budget.
import { describe, expect, it } from 'vitest';
import { encodeMulaw } from '@invorto/dsp/g711.ts';
import { noiseSamples, toPcm16 } from '@invorto/dsp/noise.ts';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { startDeepgramEmulator, startOpenAiEmulator } from '../../testing/emulators/index.ts';
import { placeTwilioCall } from '../../src/sim/carrier-caller.ts';
import { firstVoicedMs, noiseBurstFrames, silenceFrames, speechFrames, withNoiseBed } from '../../src/sim/caller-sounds.ts';
import { startTestEdge } from '../helpers/edge-harness.ts';
import { readTimeline } from '../helpers/timeline.ts';

const GREETING = 'Hello, thank you for calling the clinic. I can book, move or cancel your appointments, and tell you our opening hours.';
/** As in conversation.test.ts: the detector's share of the 150 ms, in caller audio. */
const DETECTOR_BUDGET_MS = 130;
const BED_DBFS = -55;
/** A handset keeps transmitting this long after the caller stops (its VAD's hangover) before going digitally silent. */
const DTX_HANGOVER_MS = 1200;

function noiseBed(durationMs: number): Uint8Array[] {
  const samples = toPcm16(noiseSamples('white', durationMs * 8, 8000, BED_DBFS, 11));
  const frames: Uint8Array[] = [];
  for (let at = 0; at + 160 <= samples.length; at += 160) frames.push(encodeMulaw(samples.subarray(at, at + 160)));
  return frames;
}

type Line = 'steady-noise' | 'dtx' | 'clean';

/** Lead silence, the caller's sound, then a tail; on the DTX line the bed plays only around the sound. */
function onLine(line: Line, leadMs: number, sound: Uint8Array[], tailMs: number): Uint8Array[] {
  const lead = silenceFrames(leadMs);
  const tail = silenceFrames(tailMs);
  if (line === 'clean') return [...lead, ...sound, ...tail];
  if (line === 'steady-noise') return withNoiseBed([...lead, ...sound, ...tail], noiseBed(leadMs + sound.length * 20 + tailMs));
  const before = 5; // the bed opens 100 ms before the sound
  const hangover = DTX_HANGOVER_MS / 20;
  const talking = withNoiseBed([...lead.slice(-before), ...sound, ...tail.slice(0, hangover)], noiseBed((before + sound.length + hangover) * 20));
  return [...lead.slice(0, -before), ...talking, ...tail.slice(hangover)];
}

async function call(frames: Uint8Array[], transcript: string) {
  // confidence 0: what the offline engine reports for every transcript
  const deepgram = await startDeepgramEmulator({ listen: { utterances: [{ transcript, confidence: 0 }], finalDelayMs: 50 }, speak: { firstByteMs: 40 } });
  const openai = await startOpenAiEmulator({ firstTokenMs: 60, responder: () => ({ text: 'Of course, I am listening.' }) });
  const harness = await startTestEdge(
    { deepgramApiKey: 'test-deepgram-key', deepgramBaseUrl: deepgram.url, openaiApiKey: 'test-openai-key', openaiBaseUrl: `${openai.url}/v1` },
    { agent: { ...demoAgent('default'), greeting: GREETING } },
  );
  try {
    const caller = await placeTwilioCall({ url: harness.mediaUrl, frames, quietHangupMs: 2000, maxDurationMs: 40_000 });
    return { caller, events: readTimeline(harness.dataDir) };
  } finally {
    await harness.close();
    await deepgram.close();
    await openai.close();
  }
}

describe.each(['clean', 'steady-noise', 'dtx'] as const)('conversation on a %s line with an engine that gives no confidence', (line) => {
  it('a cough and a "yeah" over the greeting, each heard as "you", do not interrupt it: the greeting is completed', async () => {
    const sounds = { cough: noiseBurstFrames(280), yeah: await speechFrames('yeah') };
    const results = await Promise.all(Object.entries(sounds).map(async ([name, sound]) => ({ name, ...(await call(onLine(line, 2500, sound, 9000), 'you')) })));
    for (const { name, events } of results) {
      const pauses = events.filter((e) => e.falseInterruption).map((e) => e.falseInterruption!);
      console.log(`${line}, ${name}: ${events.filter((e) => e.bargeIn).length} barge-in(s), ${pauses.length} resumed pause(s) (${pauses.map((p) => p.kind).join(', ')})`);
      expect(events.filter((e) => e.bargeIn), name).toEqual([]);
      expect(events.find((e) => e.turn)?.turn?.agentText, name).toBe(GREETING);
      expect(events.some((e) => e.agentSpeech?.interrupted), name).toBe(false);
    }
  }, 90_000);

  it('"wait, stop" over the greeting still stops it within the detector budget, in caller audio', async () => {
    const words = await speechFrames('Wait, stop.');
    const leadMs = 3000;
    const { caller, events } = await call(onLine(line, leadMs, words, 3000), 'Wait, stop.');
    const bargeIns = events.filter((e) => e.bargeIn).map((e) => e.bargeIn!);
    expect(bargeIns).toHaveLength(1);
    const onsetAudioMs = caller.callerAudioStartMs + leadMs + firstVoicedMs(words);
    const detectorMs = (bargeIns[0].stoppedAudioMs ?? 0) - onsetAudioMs;
    console.log(`${line}: "wait, stop" committed on ${bargeIns[0].cause}, agent stopped ${detectorMs} ms of caller audio after the onset (the edge's onset at ${(bargeIns[0].onsetAudioMs ?? 0) - onsetAudioMs} ms); pauses ${JSON.stringify(events.filter((e) => e.falseInterruption).map((e) => e.falseInterruption))}`);
    expect(detectorMs).toBeLessThan(DETECTOR_BUDGET_MS);
    expect(events.find((e) => e.agentSpeech?.interrupted)).toBeDefined();
  }, 60_000);
});
