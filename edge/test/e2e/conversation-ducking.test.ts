// Ducking over a long answer (turn.overlap "duck"), through a real edge, the real Deepgram and OpenAI SDKs and their
// emulators, caller audio made by Flite: "uh-huh" and a cough leave the agent's audio continuous at the caller
// (measured from the frames the caller received: no gap, no clear); "wait, stop" still stops it, and the context keeps
// only what was heard.
import { describe, expect, it } from 'vitest';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { startDeepgramEmulator, startOpenAiEmulator } from '../../testing/emulators/index.ts';
import { placeTwilioCall } from '../../src/sim/carrier-caller.ts';
import { firstVoicedMs, noiseBurstFrames, silenceFrames, speechFrames } from '../../src/sim/caller-sounds.ts';
import { startTestEdge } from '../helpers/edge-harness.ts';
import { readTimelineWhen } from '../helpers/timeline.ts';

const ANSWER = 'Hello, thank you for calling the clinic. I can book, move or cancel your appointments, and tell you our opening hours. We are open from nine to six, Monday to Saturday.';

async function call(utterances: string[], frames: Uint8Array[]) {
  const deepgram = await startDeepgramEmulator({ listen: { utterances: utterances.map((transcript) => ({ transcript })), finalDelayMs: 50 }, speak: { firstByteMs: 40 } });
  const openai = await startOpenAiEmulator({ firstTokenMs: 60, responder: () => ({ text: 'Sure, what would you like to know?' }) });
  const agent = { ...demoAgent('default'), greeting: ANSWER, turn: { silenceMs: 600, eagerness: 0.5, overlap: 'duck' as const } };
  const harness = await startTestEdge(
    { deepgramApiKey: 'test-deepgram-key', deepgramBaseUrl: deepgram.url, openaiApiKey: 'test-openai-key', openaiBaseUrl: `${openai.url}/v1` },
    { agent },
  );
  try {
    const caller = await placeTwilioCall({ url: harness.mediaUrl, frames, quietHangupMs: 2000, maxDurationMs: 40_000 });
    const events = await readTimelineWhen(harness.dataDir, (all) => all.some((e) => e.callEnded), 10_000);
    const history = await (await fetch(`${harness.edge.url}/calls/${events[0].callId}/history`)).json() as { messages: { role: string; content: string }[] };
    return { caller, events, history: history.messages };
  } finally {
    await harness.close();
    await deepgram.close();
    await openai.close();
  }
}

describe('conversation: ducking under backchannels', () => {
  it('"uh-huh" and a cough over a long answer: the agent only ducks, its audio reaches the caller without a gap', async () => {
    const uhHuh = await speechFrames('uh huh');
    const { caller, events } = await call(['Uh-huh.', ''], [...silenceFrames(2500), ...uhHuh, ...silenceFrames(1800), ...noiseBurstFrames(300), ...silenceFrames(9000)]);
    const resumed = events.filter((e) => e.falseInterruption).map((e) => e.falseInterruption!);
    expect(resumed.map((r) => [r.kind, r.ducked])).toEqual([['backchannel', true], ['noise', true]]);
    expect(events.filter((e) => e.bargeIn)).toEqual([]);
    // From the received frames: the answer arrived as one run of audio (no gap of 100 ms or more), nothing cleared.
    expect(caller.clears).toEqual([]);
    expect(caller.cutReplies).toEqual([]);
    expect(caller.agentAudioSpans).toHaveLength(1);
    expect(events.find((e) => e.turn)?.turn?.agentText).toBe(ANSWER);
  }, 60_000);

  it('"wait, stop" over the same answer: ducked at once, silenced when its words arrive, the context keeps what was heard', async () => {
    const lead = silenceFrames(3000);
    const interruption = await speechFrames('Wait, stop.');
    const { caller, events, history } = await call(['Wait, stop.'], [...lead, ...interruption, ...silenceFrames(3000)]);
    const onsetMs = caller.callerAudioStartMs + lead.length * 20 + firstVoicedMs(interruption);
    const bargeIn = events.find((e) => e.bargeIn)?.bargeIn;
    expect(bargeIn?.cause).toBe('words');
    const clear = caller.clears.find((ms) => ms >= onsetMs - 20);
    expect(clear).toBeDefined();
    console.log(`wait, stop: carrier clear ${(clear! - onsetMs + 20).toFixed(0)} ms after the onset (ducked until then)`);
    expect(clear! - onsetMs).toBeLessThan(1500); // before the sustained-speech limit: the words decided it
    const heard = history.find((m) => m.role === 'assistant')!.content;
    expect(ANSWER.startsWith(heard)).toBe(true);
    expect(heard.length).toBeLessThan(ANSWER.length * 0.6);
    expect(history.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['Wait, stop.']);
  }, 60_000);
});
