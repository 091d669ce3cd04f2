// Turn-taking a caller can feel, through a real edge, the real Deepgram and OpenAI SDKs and their emulators, with
// caller audio made by Flite: backchannels and a cough do not interrupt; a real interruption silences the agent
// within 150 ms and leaves in the context only what was heard; a number read out with a pause is one turn.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoCorpusDir } from '@invorto/dsp/corpus.ts';
import { decodeMulaw, encodeMulaw } from '@invorto/dsp/g711.ts';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { startDeepgramEmulator, startOpenAiEmulator, type DeepgramEmulator, type OpenAiEmulator, type Responder } from '../../testing/emulators/index.ts';
import { placeTwilioCall } from '../../src/sim/carrier-caller.ts';
import { wavToMulawFrames } from '../../src/sim/caller-audio.ts';
import { firstVoicedMs, mulawRmsDbfs, noiseBurstFrames, silenceFrames, speechFrames, withNoiseBed } from '../../src/sim/caller-sounds.ts';
import { startTestEdge, type EdgeHarness } from '../helpers/edge-harness.ts';
import { readTimeline } from '../helpers/timeline.ts';

const GREETING = 'Hello, thank you for calling the clinic. I can book, move or cancel your appointments, and tell you our opening hours.';

const responder: Responder = ({ messages }) => {
  const last = String([...messages].reverse().find((m) => m.role === 'user')?.content ?? '');
  if (/hours/i.test(last)) return { text: 'We are open from nine to six, Monday to Saturday.' };
  if (/number/i.test(last)) return { text: 'Thank you, I have noted your number.' };
  return { text: 'I can help with that.' };
};

async function edgeWith(deepgram: DeepgramEmulator, openai: OpenAiEmulator): Promise<EdgeHarness> {
  return startTestEdge(
    { deepgramApiKey: 'test-deepgram-key', deepgramBaseUrl: deepgram.url, openaiApiKey: 'test-openai-key', openaiBaseUrl: `${openai.url}/v1` },
    { agent: { ...demoAgent('default'), greeting: GREETING } },
  );
}

/**
 * "Within a breath" is 150 ms from the caller's onset to silence. The detector's share is asserted here, in caller
 * audio (independent of how busy the host is): from the onset to the end of the frame on which the edge stopped the
 * agent, leaving 20 ms of the 150 for the wire and the processing. The wall-clock figure on a quiet host, with its
 * spread, is `npm run bench -- turns`; a live one is invorto_barge_in_latency_seconds.
 */
const DETECTOR_BUDGET_MS = 130;

/** The detector's delay in caller audio; logs it beside the wall-clock delay to the carrier's clear. */
function stopLatency(caller: { clears: number[]; callerAudioStartMs: number }, event: { onsetAudioMs?: number | null; stoppedAudioMs?: number | null }, onsetMs: number, what: string): number {
  const onsetAudioMs = caller.callerAudioStartMs + onsetMs;
  const detectorMs = (event.stoppedAudioMs ?? 0) - onsetAudioMs;
  // The simulator sends a frame when its 20 ms begin; a carrier sends it once captured: count that 20 ms too.
  const clear = caller.clears.find((ms) => ms >= onsetMs - 20);
  console.log(`${what}: stopped ${detectorMs} ms of caller audio after the onset (the edge's onset at ${(event.onsetAudioMs ?? 0) - onsetAudioMs} ms); carrier clear ${clear === undefined ? 'none' : (clear - onsetMs + 20).toFixed(0)} ms after it on the wall clock`);
  return detectorMs;
}

/** One call: its timeline, what the carrier saw, and the conversation the edge kept. */
async function converse(utterances: string[], frames: Uint8Array[], asrSpeechThresholdDbfs?: number) {
  const deepgram = await startDeepgramEmulator({ listen: { utterances: utterances.map((transcript) => ({ transcript })), finalDelayMs: 50, speechThresholdDbfs: asrSpeechThresholdDbfs }, speak: { firstByteMs: 40 } });
  const openai = await startOpenAiEmulator({ firstTokenMs: 60, responder });
  const harness = await edgeWith(deepgram, openai);
  try {
    const caller = await placeTwilioCall({ url: harness.mediaUrl, frames, quietHangupMs: 2000, maxDurationMs: 40_000 });
    const events = readTimeline(harness.dataDir);
    const callId = events[0].callId!;
    const history = await (await fetch(`${harness.edge.url}/calls/${callId}/history`)).json() as { messages: { role: string; content: string }[] };
    return { caller, events, history: history.messages, openai: openai.requests };
  } finally {
    await harness.close();
    await deepgram.close();
    await openai.close();
  }
}

describe('conversation: interruptions', () => {
  let backchannel: Awaited<ReturnType<typeof converse>>;
  let cough: Awaited<ReturnType<typeof converse>>;
  let bargeIn: Awaited<ReturnType<typeof converse>> & { onsetMs: number };

  beforeAll(async () => {
    const question = await speechFrames('What are your opening hours?');
    const uhHuh = await speechFrames('uh huh');
    const interruption = await speechFrames('Wait, what are your opening hours?');
    [backchannel, cough] = await Promise.all([
      converse(['Uh-huh.', 'What are your opening hours?'], [...silenceFrames(2500), ...uhHuh, ...silenceFrames(7000), ...question, ...silenceFrames(500)]),
      converse(['', 'What are your opening hours?'], [...silenceFrames(2500), ...noiseBurstFrames(280), ...silenceFrames(7000), ...question, ...silenceFrames(500)]),
    ]);
    const lead = silenceFrames(3000);
    const result = await converse(['Wait, what are your opening hours?'], [...lead, ...interruption, ...silenceFrames(500)]);
    bargeIn = { ...result, onsetMs: lead.length * 20 + firstVoicedMs(interruption) };
  }, 120_000);

  for (const [name, get] of [['a backchannel ("uh huh")', () => backchannel], ['a cough', () => cough]] as const) {
    it(`${name} over the greeting does not interrupt it: the agent pauses at most, then finishes it`, () => {
      const { events, history } = get();
      expect(events.filter((e) => e.bargeIn)).toEqual([]);
      const turns = events.filter((e) => e.turn).map((e) => e.turn!);
      expect(turns[0].agentText).toBe(GREETING);
      expect(turns[1]?.agentText).toBe('We are open from nine to six, Monday to Saturday.');
      expect(history.filter((m) => m.role === 'assistant').map((m) => m.content)).toEqual([GREETING, 'We are open from nine to six, Monday to Saturday.']);
      expect(history.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['What are your opening hours?']);
      for (const pause of events.filter((e) => e.falseInterruption)) expect(pause.falseInterruption!.resumedMs!).toBeGreaterThan(pause.falseInterruption!.pausedMs!);
    });
  }

  it('a backchannel that paused the agent is reported as one; a cough as noise', () => {
    expect(backchannel.events.filter((e) => e.falseInterruption).map((e) => e.falseInterruption!.kind)).toEqual(['backchannel']);
    expect(cough.events.filter((e) => e.falseInterruption).map((e) => e.falseInterruption!.kind)).toEqual(['noise']);
  });

  it('a real interruption stops the agent\'s audio within 150 ms of the caller\'s onset', () => {
    const { caller, events, onsetMs } = bargeIn;
    expect(events.filter((e) => e.bargeIn)).toHaveLength(1);
    const event = events.find((e) => e.bargeIn)!.bargeIn!;
    expect(event.cause).toBe('words');
    expect(caller.clears.find((ms) => ms >= onsetMs)).toBeDefined();
    expect(stopLatency(caller, event, onsetMs, 'barge-in')).toBeLessThan(DETECTOR_BUDGET_MS);
  });

  it('the context keeps only the part of the greeting that was heard, then the caller\'s turn and its answer', () => {
    const { history, events, onsetMs } = bargeIn;
    const assistant = history.filter((m) => m.role === 'assistant').map((m) => m.content);
    expect(assistant).toHaveLength(2);
    expect(GREETING.startsWith(assistant[0])).toBe(true);
    expect(assistant[0].length).toBeGreaterThan(10);
    expect(assistant[0].length).toBeLessThan(GREETING.length * 0.6);
    // About 14 characters a second of emulated speech were heard from the greeting's start to the onset.
    const greetingStart = events.find((e) => e.stateChanged?.to === 'SPEAKING')!;
    expect(greetingStart).toBeDefined();
    expect(assistant[0].length).toBeLessThan((onsetMs / 1000) * 14 + 20);
    expect(history.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['Wait, what are your opening hours?']);
    expect(assistant[1]).toBe('We are open from nine to six, Monday to Saturday.');
    expect(events.find((e) => e.agentSpeech?.interrupted)?.agentSpeech?.text).toBe(assistant[0]);
  });
});

/** The babble clip's noise before its first word (other talkers, in the repository's own corpus), at `levelDbfs`. */
function babbleBed(levelDbfs: number): Uint8Array[] {
  const clip = 'repo-04-babble-10db';
  const firstWordS = JSON.parse(readFileSync(join(repoCorpusDir, `vad/${clip}.json`), 'utf8')).speech_segments[0][0];
  const lead = wavToMulawFrames(join(repoCorpusDir, `vad/${clip}.ulaw8k.wav`)).slice(0, Math.floor(firstWordS * 50));
  const gain = 10 ** ((levelDbfs - mulawRmsDbfs(Buffer.concat(lead))) / 20);
  return lead.map((frame) => encodeMulaw(decodeMulaw(frame).map((v) => Math.max(-32768, Math.min(32767, Math.round(v * gain))))));
}

describe('conversation: under babble noise', () => {
  it('a backchannel still does not interrupt, and a real interruption still does, within 150 ms', async () => {
    // A second of babble at -33 dBFS, a loud room, looped under the whole call.
    const bed = babbleBed(-33).slice(0, 50);
    const uhHuh = await speechFrames('uh huh');
    const interruption = await speechFrames('Wait, what are your opening hours?');
    const lead = [...silenceFrames(2000), ...uhHuh, ...silenceFrames(2000)];
    const frames = withNoiseBed([...lead, ...interruption, ...silenceFrames(3000)], bed);
    // The emulated ASR, like a real one, does not transcribe the background: its threshold sits above the babble.
    const { caller, events, history } = await converse(['Uh-huh.', 'Wait, what are your opening hours?'], frames, -27);
    // Under noise the onset is where the words rise above it: "Wait" begins with 200 ms of breath below the babble,
    // which no listener (and no detector) can hear.
    const onsetMs = lead.length * 20 + firstVoicedMs(interruption, -30);
    const bargeIns = events.filter((e) => e.bargeIn).map((e) => e.bargeIn!);
    expect(bargeIns).toHaveLength(1);
    expect(bargeIns[0].cause).toBe('words');
    expect(caller.clears.find((ms) => ms >= onsetMs - 20)).toBeDefined();
    console.log(`barge-in under babble: ${caller.clears.length - 1} earlier pause(s)`);
    expect(stopLatency(caller, bargeIns[0], onsetMs, 'barge-in under babble')).toBeLessThan(DETECTOR_BUDGET_MS);
    expect(history.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['Wait, what are your opening hours?']);
    const heard = history.find((m) => m.role === 'assistant')!.content;
    expect(GREETING.startsWith(heard)).toBe(true);
    expect(heard.length).toBeGreaterThan(30); // the greeting went on past the "uh huh"
  }, 60_000);
});

describe('conversation: turns', () => {
  it('a phone number read out with a pause is one turn, not two', async () => {
    const first = await speechFrames('My number is nine eight four five one.');
    const second = await speechFrames('two three six seven zero.');
    const { events, openai, history } = await converse(
      ['My number is nine eight four five one', 'two three six seven zero.'],
      [...silenceFrames(9000), ...first, ...silenceFrames(900), ...second, ...silenceFrames(500)],
    );
    expect(events.some((e) => e.turnHeld)).toBe(true);
    const users = history.filter((m) => m.role === 'user').map((m) => m.content);
    expect(users).toEqual(['My number is nine eight four five one two three six seven zero.']);
    expect(openai).toHaveLength(1);
    expect(events.filter((e) => e.turn).map((e) => e.turn!.agentText)).toEqual([GREETING, 'Thank you, I have noted your number.']);
  }, 60_000);

  it('a call resumed by id continues the conversation the first one kept', async () => {
    const deepgram = await startDeepgramEmulator({ listen: { utterances: [{ transcript: 'What are your opening hours?' }], finalDelayMs: 50 }, speak: { firstByteMs: 40 } });
    const openai = await startOpenAiEmulator({ firstTokenMs: 60, responder });
    const harness = await edgeWith(deepgram, openai);
    try {
      const question = [...silenceFrames(9000), ...(await speechFrames('What are your opening hours?')), ...silenceFrames(500)];
      await placeTwilioCall({ url: harness.mediaUrl, frames: question, quietHangupMs: 2000, maxDurationMs: 40_000 });
      const firstCallId = readTimeline(harness.dataDir)[0].callId!;
      await placeTwilioCall({ url: harness.mediaUrl, frames: question, parameters: { resumeCallId: firstCallId }, quietHangupMs: 2000, maxDurationMs: 40_000 });
      const second = openai.requests[1].body as { messages: { role: string; content: string }[] };
      // The first call (greeting, question, answer), then the second call's greeting and its question.
      expect(second.messages.map((m) => m.role)).toEqual(['system', 'assistant', 'user', 'assistant', 'assistant', 'user']);
      expect(second.messages[2].content).toBe('What are your opening hours?');
      expect(second.messages[3].content).toBe('We are open from nine to six, Monday to Saturday.');
      expect(second.messages[4].content).toBe(GREETING);
    } finally {
      await harness.close();
      await deepgram.close();
      await openai.close();
    }
  }, 90_000);
});
