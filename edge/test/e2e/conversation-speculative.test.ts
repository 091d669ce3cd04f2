// Speculative replies through a real edge (real Deepgram and OpenAI SDKs against their emulators, caller audio made by
// Flite): the reply is prepared while the turn detector confirms the turn, and played once it is confirmed on the
// same words; a caller who pauses and goes on has the prepared reply cancelled, never heard, its tool never run, and
// its tokens recorded as speculative usage. The agent is patient (eagerness 0.2), so the turn is confirmed by the dsp
// endpoint (about 0.7 s of silence) and the words (asked for after 0.1 s) have a wide margin on a busy host.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { startDeepgramEmulator, startOpenAiEmulator, type DeepgramEmulatorOptions, type Responder } from '../../testing/emulators/index.ts';
import type { AgentConfig } from '../../src/agents/types.ts';
import { placeTwilioCall } from '../../src/sim/carrier-caller.ts';
import { firstVoicedMs, lastVoicedEndMs, silenceFrames, speechFrames } from '../../src/sim/caller-sounds.ts';
import { startTestEdge } from '../helpers/edge-harness.ts';
import { readTimelineWhen } from '../helpers/timeline.ts';

let webhooks: Server;
let hookUrl = '';
const hooksCalled: string[] = [];

beforeAll(async () => {
  webhooks = createServer((req, res) => {
    hooksCalled.push(req.url ?? '');
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((resolve) => webhooks.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(webhooks.address() as AddressInfo).port}`;
});
afterAll(async () => { await new Promise((resolve) => webhooks.close(resolve)); });

const SPECULATIVE_TEXT = 'Sure, I will cancel all of your appointments.';

const responder: Responder = ({ messages }) => {
  const last = messages.at(-1)!;
  if (last.role === 'tool') return { text: 'Done.' };
  const said = String(last.content ?? '');
  if (/hours/i.test(said)) return { text: 'We are open from nine to six, Monday to Saturday.' };
  // The first half alone asks for a tool: it must never run, because the caller was not done.
  if (/^Please cancel my appointments\.?$/i.test(said)) return { text: SPECULATIVE_TEXT, toolCalls: [{ name: 'cancel_appointments', arguments: { which: 'all' } }] };
  return { text: 'Only the one on Tuesday, noted.' };
};

/** One call through a real edge: the Deepgram emulator scripted as given, the agent's turn (and ASR) as given. */
async function converse(deepgramScript: DeepgramEmulatorOptions, agentPart: { turn: AgentConfig['turn']; asr?: AgentConfig['asr'] }, frames: Uint8Array[]) {
  const deepgram = await startDeepgramEmulator({ ...deepgramScript, speak: { firstByteMs: 40 } });
  const openai = await startOpenAiEmulator({ firstTokenMs: 50, responder });
  const cancel = { name: 'cancel_appointments', description: 'Cancel appointments', url: `${hookUrl}/cancel`, secret: 'a-webhook-secret-of-32-characters', parameters: { type: 'object', properties: { which: { type: 'string' } } } };
  const agent = { ...demoAgent('default'), greeting: 'Hello.', ...agentPart, tools: { webhooks: [cancel] } };
  const harness = await startTestEdge(
    { deepgramApiKey: 'test-deepgram-key', deepgramBaseUrl: deepgram.url, openaiApiKey: 'test-openai-key', openaiBaseUrl: `${openai.url}/v1` },
    { agent },
  );
  try {
    const caller = await placeTwilioCall({ url: harness.mediaUrl, frames, quietHangupMs: 2000, maxDurationMs: 40_000 });
    // The edge writes the call's usage and end just after the carrier hangs up: wait for them.
    const events = await readTimelineWhen(harness.dataDir, (all) => all.some((e) => e.callEnded) && all.some((e) => e.usage), 10_000);
    return { caller, events, requests: openai.requests.length, fluxQuery: deepgram.fluxRequests[0]?.query };
  } finally {
    await harness.close();
    await deepgram.close();
    await openai.close();
  }
}

/** Deepgram live (v1), a patient agent: the dsp endpoint confirms the turn. */
const call = (utterances: string[], frames: Uint8Array[]) => converse(
  { listen: { utterances: utterances.map((transcript) => ({ transcript })), finalDelayMs: 50 } },
  { turn: { silenceMs: 600, eagerness: 0.2, speculative: 'on' } }, frames,
);

/**
 * Deepgram Flux (listen v2 through the real SDK): its TurnInfo events drive the turn. An eager end of turn after
 * 200 ms of silence: Flite's pauses between phrases (up to about 150 ms) do not cause one.
 */
const fluxCall = (turns: { transcript: string | string[]; endAfterMs?: number }[], frames: Uint8Array[]) => converse(
  { flux: { turns, eagerAfterMs: 200 } },
  { asr: { provider: 'deepgram-flux', flux: { eotThreshold: 0.7, eagerEotThreshold: 0.5 } }, turn: { silenceMs: 600, eagerness: 0.5, speculative: 'on' } }, frames,
);

describe('conversation: speculative replies', () => {
  it('a question is answered with the reply prepared before the turn was confirmed', async () => {
    const { events, requests } = await call(['What are your opening hours?'], [...silenceFrames(1500), ...await speechFrames('What are your opening hours?'), ...silenceFrames(3000)]);
    const speculative = events.filter((e) => e.speculativeReply).map((e) => e.speculativeReply!);
    const endOfTurn = events.find((e) => e.turn && e.turn.callerText)?.turn;
    expect(speculative).toHaveLength(1);
    expect(speculative[0]).toMatchObject({ outcome: 'played', text: 'What are your opening hours?' });
    // The LLM request began before the turn was confirmed (both on the edge's clock), and there was only that one.
    expect(speculative[0].startedMs!).toBeLessThan(speculative[0].decidedMs!);
    expect(requests).toBe(1);
    expect(endOfTurn?.agentText).toBe('We are open from nine to six, Monday to Saturday.');
    expect(events.find((e) => e.usage)!.usage!.llmSpeculativeRequests ?? 0).toBe(0); // nothing wasted
  }, 60_000);

  it('a caller who pauses and goes on: the prepared reply is cancelled unheard, its tool never runs, its tokens are speculative usage', async () => {
    hooksCalled.length = 0;
    const first = await speechFrames('Please cancel my appointments.');
    const second = await speechFrames('only the one on Tuesday.');
    const pauseFrames = silenceFrames(100);
    const pauseMs = (first.length * 20 - lastVoicedEndMs(first)) + pauseFrames.length * 20 + firstVoicedMs(second);
    // The pause is long enough for the words and short of the patient endpoint (about 0.7 s).
    expect(pauseMs).toBeGreaterThan(350);
    expect(pauseMs).toBeLessThan(600);
    const { events, caller } = await call(
      ['Please cancel my appointments.', 'only the one on Tuesday.'],
      [...silenceFrames(1500), ...first, ...pauseFrames, ...second, ...silenceFrames(3000)],
    );
    const speculative = events.filter((e) => e.speculativeReply).map((e) => e.speculativeReply!);
    expect(speculative.map((s) => [s.outcome, s.text])).toEqual([
      ['cancelled', 'Please cancel my appointments.'],
      ['played', 'Please cancel my appointments. only the one on Tuesday.'],
    ]);
    expect(speculative[0].reason).toBe('the caller went on');
    // Never run, never announced, never heard.
    expect(hooksCalled).toEqual([]);
    expect(events.filter((e) => e.toolCall)).toEqual([]);
    expect(events.filter((e) => e.agentSpeech).map((e) => e.agentSpeech!.text)).toEqual(['Hello.', 'Only the one on Tuesday, noted.']);
    // The caller heard the greeting and then the answer, which began after they had finished; nothing was cleared.
    const secondEndMs = caller.callerAudioStartMs + 1500 + first.length * 20 + pauseFrames.length * 20 + lastVoicedEndMs(second);
    expect(caller.agentAudioSpans.filter((span) => span.startMs > caller.callerAudioStartMs + 1500)).toHaveLength(1);
    expect(caller.agentAudioSpans.at(-1)!.startMs).toBeGreaterThan(secondEndMs);
    expect(caller.replies).toHaveLength(2);
    expect(caller.cutReplies).toEqual([]);
    const usage = events.find((e) => e.usage)!.usage!;
    expect(usage.llmSpeculativeRequests).toBe(1);
    expect(usage.llmSpeculativeInputTokens).toBeGreaterThan(0);
    expect(usage.llmSpeculativeOutputTokens).toBeGreaterThan(0);
    expect(usage.llmInputTokens!).toBeGreaterThan(usage.llmSpeculativeInputTokens!); // and they are in the totals
  }, 60_000);
});

/** Deepgram live (v1) slower with final words than the 300 ms window (a vendor's typical 150 ms after finalizing). */
const slowWordsCall = (utterances: string[], frames: Uint8Array[], finalDelayMs = 150) => converse(
  { listen: { utterances: utterances.map((transcript) => ({ transcript })), finalDelayMs } },
  { turn: { silenceMs: 600, eagerness: 0.2, speculative: 'on' } }, frames,
);

describe('conversation: speculative replies wait for the words the ASR owes', () => {
  it('a turn held on a trailing "for" and then finished is judged on the finished words, not held again on the old ones', async () => {
    const text = 'I want to book an appointment for next Tuesday morning.';
    const { events } = await slowWordsCall(
      ['I want to book an appointment for', 'next Tuesday morning.'],
      [...silenceFrames(1500), ...await speechFrames('I want to book an appointment for'), ...silenceFrames(700), ...await speechFrames('next Tuesday morning.'), ...silenceFrames(3000)],
    );
    // Once, for the first half; the window that passed before the second half's words came did not hold it again.
    expect(events.filter((e) => e.turnHeld).map((e) => e.turnHeld!.text)).toEqual(['I want to book an appointment for']);
    const speculative = events.filter((e) => e.speculativeReply).map((e) => e.speculativeReply!);
    expect(speculative.map((s) => [s.outcome, s.text])).toEqual([['played', text]]);
    expect(events.find((e) => e.turn && e.turn.callerText)?.turn?.callerText).toBe(text);
  }, 60_000);

  it('words that came while the caller still spoke are prepared on once an empty final says there are no more', async () => {
    // One transcript for a sentence with a 300 ms pause inside it: asked for 200 ms into the pause, the words come
    // 400 ms later, once the caller went on; the final after the sentence's end is empty.
    const first = await speechFrames('Thank you,');
    const second = await speechFrames('that is all.');
    const flitePauseMs = first.length * 20 - lastVoicedEndMs(first) + firstVoicedMs(second);
    const { events } = await slowWordsCall(
      ['Thank you, that is all.'],
      [...silenceFrames(1500), ...first, ...silenceFrames(Math.max(0, 300 - flitePauseMs)), ...second, ...silenceFrames(3000)],
      400,
    );
    const speculative = events.filter((e) => e.speculativeReply).map((e) => e.speculativeReply!);
    expect(speculative.map((s) => [s.outcome, s.text])).toEqual([['played', 'Thank you, that is all.']]);
    expect(speculative[0].startedMs!).toBeLessThan(speculative[0].decidedMs!);
  }, 60_000);
});

describe('conversation: speculative replies on Deepgram Flux', () => {
  it('EagerEndOfTurn prepares the reply, EndOfTurn plays it', async () => {
    const { events, requests, fluxQuery } = await fluxCall([{ transcript: 'What are your opening hours?' }], [...silenceFrames(1500), ...await speechFrames('What are your opening hours?'), ...silenceFrames(3000)]);
    expect(fluxQuery?.eager_eot_threshold).toBe('0.5');
    const speculative = events.filter((e) => e.speculativeReply).map((e) => e.speculativeReply!);
    expect(speculative.map((s) => [s.outcome, s.text])).toEqual([['played', 'What are your opening hours?']]);
    expect(speculative[0].startedMs!).toBeLessThan(speculative[0].decidedMs!); // the LLM asked before EndOfTurn
    expect(requests).toBe(1);
    expect(events.filter((e) => e.agentSpeech).map((e) => e.agentSpeech!.text)).toEqual(['Hello.', 'We are open from nine to six, Monday to Saturday.']);
  }, 60_000);

  it('TurnResumed withdraws it: never heard, its tool never run, its tokens speculative usage', async () => {
    hooksCalled.length = 0;
    const first = await speechFrames('Please cancel my appointments.');
    const second = await speechFrames('only the one on Tuesday.');
    const { events } = await fluxCall(
      [{ transcript: ['Please cancel my appointments.', 'only the one on Tuesday.'], endAfterMs: 900 }],
      [...silenceFrames(1500), ...first, ...silenceFrames(100), ...second, ...silenceFrames(3000)],
    );
    const speculative = events.filter((e) => e.speculativeReply).map((e) => e.speculativeReply!);
    expect(speculative.map((s) => [s.outcome, s.reason])).toEqual([['cancelled', 'the caller went on'], ['played', 'turn confirmed on the same words']]);
    expect(speculative[1].text).toBe('Please cancel my appointments. only the one on Tuesday.');
    expect(hooksCalled).toEqual([]);
    expect(events.filter((e) => e.toolCall)).toEqual([]);
    expect(events.filter((e) => e.agentSpeech).map((e) => e.agentSpeech!.text)).toEqual(['Hello.', 'Only the one on Tuesday, noted.']);
    expect(events.find((e) => e.usage)!.usage!.llmSpeculativeRequests).toBe(1);
  }, 60_000);
});
