// Engines lost for good in the middle of a call, through a real edge, the real Deepgram and OpenAI SDKs and their
// emulators (which refuse every reconnection once they have dropped a socket): the call fails over along the agent's
// chain without dropping. ASR lost mid-utterance: the offline engine hears the words spoken across the failover and
// the turn is answered. TTS lost mid-sentence: the sentence is heard whole in the offline voice. LLM stream cut after
// two sentences: the answer goes on without repeating them. Each failover is a timeline event with its recovery time.
import { describe, expect, it } from 'vitest';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { ruleResponder, startDeepgramEmulator, startOpenAiEmulator } from '../../testing/emulators/index.ts';
import { createFliteTts } from '../../src/providers/offline/flite-tts.ts';
import { placeTwilioCall } from '../../src/sim/carrier-caller.ts';
import { mulawRmsDbfs, silenceFrames, speechFrames } from '../../src/sim/caller-sounds.ts';
import { ASR_CUT_QUESTION, withAsrCutCall } from '../helpers/asr-cut-call.ts';
import { countTokens } from '../../src/runtime/token-count.ts';
import { emulatorKeys, startTestEdge } from '../helpers/edge-harness.ts';
import { readTimeline, readTimelineWhen } from '../helpers/timeline.ts';

const HOURS = 'We are open from nine to six, Monday to Saturday.';
const BOOKING = 'Sure, which day suits you?';
const responder = ruleResponder([{ when: /appoint|book/i, reply: { text: BOOKING } }, { when: /hour|open/i, reply: { text: HOURS } }], { text: 'Sorry, could you say that again?' });

/** How long Flite takes to say `text` (8 kHz mu-law: 8 bytes a millisecond). */
async function fliteMs(text: string): Promise<number> {
  const abort = new AbortController();
  const session = await createFliteTts().open({ callId: 'c', language: 'en-US', signal: abort.signal }, { format: { encoding: 'mulaw', sampleRateHz: 8000 } });
  let bytes = 0;
  session.on('audio', (a) => { bytes += a.length; });
  const done = new Promise((resolve) => session.on('flushed', resolve));
  session.speak(text);
  session.flush();
  await done;
  await session.close();
  abort.abort();
  return bytes / 8;
}

describe('provider failover mid-call', () => {
  it('ASR lost for good mid-utterance: the offline engine hears the words spoken across the failover, and the turn is answered', async () => {
    await withAsrCutCall(responder, async ({ harness, deepgram }) => {
      const events = readTimeline(harness.dataDir);
      const failover = events.find((e) => e.providerFailover)?.providerFailover;
      expect(failover).toMatchObject({ stage: 'asr', from: 'deepgram', to: 'pocketsphinx' });
      console.log(`ASR failover (Deepgram lost mid-utterance -> pocketsphinx, with the unfinalized audio replayed): ${failover!.recoveredMs!.toFixed(0)} ms from the loss to the offline engine hearing`);
      expect(failover!.recoveredMs).toBeLessThan(1000);
      expect(deepgram.listenRequests.length).toBeGreaterThanOrEqual(1);
      const turns = events.filter((e) => e.turn && e.turn.index! > 0).map((e) => e.turn!);
      expect(turns).toHaveLength(1);
      // The audio from before the cut was replayed into the offline engine (the whole second of the sentence that
      // Deepgram had not finalized), and it heard the sentence across the cut.
      const replayed = /replaying ([\d.]+) s of audio/.exec(events.find((e) => e.providerError && /replaying/.test(e.providerError.message!))!.providerError!.message!);
      expect(Number(replayed![1])).toBeGreaterThanOrEqual(0.9);
      console.log(`ASR failover: the offline engine heard "${turns[0].callerText}" (said: "${ASR_CUT_QUESTION}")`);
      expect(turns[0].callerText).toMatch(/book|appointment/i);
      expect(turns[0].agentText).toBe(BOOKING);
      expect(events.find((e) => e.callEnded)?.callEnded?.reason).toBe('caller_hangup');
      const metrics = await (await fetch(`${harness.edge.url}/metrics`)).text();
      expect(metrics).toMatch(/invorto_provider_failovers_total\{stage="asr",from="deepgram",to="pocketsphinx"\} 1/);
    });
  }, 60_000);

  it('TTS lost for good mid-sentence: the sentence is heard whole in the offline voice', async () => {
    const greeting = demoAgent('default').greeting!;
    // Aura's socket is cut after 8 audio messages (0.8 s into the greeting) and every new socket or REST call refused.
    const deepgram = await startDeepgramEmulator({ listen: { utterances: [] }, speak: { firstByteMs: 40, dropAfterAudioMessages: 8, refuseAfterDrop: true } });
    const openai = await startOpenAiEmulator({ responder });
    const harness = await startTestEdge(emulatorKeys(deepgram, openai));
    try {
      const greetingFliteMs = await fliteMs(greeting);
      const result = await placeTwilioCall({ url: harness.mediaUrl, frames: silenceFrames(8000), quietHangupMs: 2000, maxDurationMs: 30_000 });
      const events = await readTimelineWhen(harness.dataDir, (written) => written.some((e) => e.callEnded), 10_000); // the end is written as the edge notices the hang-up
      // Aura's socket is lost; its REST fallback is refused too; Flite takes over. Recovery counts from the first loss.
      const failovers = events.filter((e) => e.providerFailover);
      console.log(failovers.map((e) => JSON.stringify({ ...e.providerFailover, tsMs: e.tsMs })).join('\n'));
      const last = failovers.at(-1)!;
      expect(last.providerFailover).toMatchObject({ stage: 'tts', to: 'flite' });
      const recoveredMs = Number(last.tsMs) - Number(failovers[0].tsMs) + (failovers.length > 1 ? last.providerFailover!.recoveredMs! : 0) + (failovers.length > 1 ? failovers[0].providerFailover!.recoveredMs! : last.providerFailover!.recoveredMs!);
      console.log(`TTS failover (Aura lost mid-sentence -> Flite, the sentence again from its start): ${recoveredMs.toFixed(0)} ms from the loss to the new voice taking the text`);
      expect(recoveredMs).toBeLessThan(1000);
      const greetingTurn = events.find((e) => e.turn)?.turn;
      expect(greetingTurn?.agentText).toBe(greeting);
      // After the cut, the carrier got the whole greeting in Flite's voice, not just the part Aura had not said: the
      // audio that came after the failover is as long as Flite's whole greeting (the rest would be a quarter shorter).
      const startedTs = Number(events.find((e) => e.callStarted)!.tsMs);
      const cutMs = Number(failovers[0].tsMs) - startedTs;
      const afterCutMs = result.agentAudioSpans.reduce((sum, s) => sum + Math.max(0, s.endMs - Math.max(s.startMs, cutMs + 50)), 0);
      console.log(`TTS failover: ${afterCutMs.toFixed(0)} ms of audio after the cut; Flite says the whole greeting in ${greetingFliteMs.toFixed(0)} ms`);
      expect(afterCutMs).toBeGreaterThan(greetingFliteMs * 0.9);
      expect(mulawRmsDbfs(result.agentAudio)).toBeGreaterThan(-40);
      expect(events.find((e) => e.callEnded)?.callEnded?.reason).toBe('caller_hangup');
    } finally {
      await harness.close();
      await deepgram.close();
      await openai.close();
    }
  }, 60_000);

  it('LLM stream cut after two sentences: the answer goes on from there, no sentence said twice', async () => {
    const answer = 'We open at nine. We close at six. On Saturdays we close at one. On Sundays we are closed.';
    const deepgram = await startDeepgramEmulator({ listen: { utterances: [{ transcript: 'When are you open?' }], finalDelayMs: 50 }, speak: { firstByteMs: 40 } });
    // The role chunk, then a word a chunk: cut after "On Saturdays". The continuation starts over, as models do.
    const openai = await startOpenAiEmulator({
      firstTokenMs: 60,
      faults: [{ kind: 'drop-after-chunks', chunks: 11 }],
      responder: ({ messages }) => ({ text: messages.some((m) => m.role === 'assistant' && String(m.content).startsWith('We open')) ? 'We close at six. On Saturdays we close at one. On Sundays we are closed.' : answer }),
    });
    const harness = await startTestEdge(emulatorKeys(deepgram, openai), { agent: { ...demoAgent('default'), greeting: 'Hi.' } });
    try {
      const frames = [...silenceFrames(2500), ...(await speechFrames('When are you open?')), ...silenceFrames(500)];
      await placeTwilioCall({ url: harness.mediaUrl, frames, quietHangupMs: 3000, maxDurationMs: 40_000 });
      // usage is written at the call's end, which a loaded host can write after the caller's side has finished
      const events = await readTimelineWhen(harness.dataDir, (written) => written.some((e) => e.callEnded) && written.some((e) => e.usage), 10_000);
      const failover = events.find((e) => e.providerFailover)?.providerFailover;
      expect(failover).toMatchObject({ stage: 'llm', from: 'openai', to: 'openai' });
      console.log(`LLM failover (stream cut after two sentences, continued): ${failover!.recoveredMs!.toFixed(0)} ms from the cut to the next new sentence`);
      expect(failover!.recoveredMs).toBeLessThan(1000);
      const turn = events.filter((e) => e.turn && e.turn.index! > 0).map((e) => e.turn!)[0];
      expect(turn.agentText).toBe(answer);
      expect(openai.requests).toHaveLength(2);
      // Both requests are billed: the cut one by the edge's own o200k count of what arrived (13 tokens; it never got
      // OpenAI's usage), the continuation by the usage the emulator reported (its length / 4, rounded up: 18).
      const llmOutput = events.filter((e) => e.usage).reduce((sum, e) => sum + (e.usage!.llmOutputTokens ?? 0), 0);
      const continuation = 'We close at six. On Saturdays we close at one. On Sundays we are closed.';
      expect(llmOutput).toBe(countTokens('We open at nine. We close at six. On Saturdays ') + Math.ceil(continuation.length / 4));
    } finally {
      await harness.close();
      await deepgram.close();
      await openai.close();
    }
  }, 60_000);
});
