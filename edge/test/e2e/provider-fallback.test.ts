// Provider faults through a real edge. A dead LLM: OpenAI (emulated) answers only 500s; each turn is retried, then
// answered by the agent's offline engine, the breaker opens after repeated failures so later turns skip OpenAI at
// once, and /metrics shows the breaker, the retries and the fallbacks. A dropped ASR socket mid-utterance: the turn
// is still heard whole and answered.
import { describe, expect, it } from 'vitest';
import { startDeepgramEmulator, startOpenAiEmulator } from '../../testing/emulators/index.ts';
import { placeTwilioCall } from '../../src/sim/carrier-caller.ts';
import { mulawRmsDbfs, silenceFrames, speechFrames } from '../../src/sim/caller-sounds.ts';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { startTestEdge } from '../helpers/edge-harness.ts';
import { readTimeline } from '../helpers/timeline.ts';

describe('a dead LLM provider', () => {
  it('is retried, then the offline engine answers; the breaker opens and /metrics says so', async () => {
    const question = 'What are your opening hours?';
    const deepgram = await startDeepgramEmulator({ listen: { utterances: [{ transcript: question }, { transcript: question }], finalDelayMs: 50 }, speak: { firstByteMs: 40 } });
    const openai = await startOpenAiEmulator({ faults: Array.from({ length: 50 }, () => ({ kind: 'status' as const, status: 500 as const })) });
    const harness = await startTestEdge({ deepgramApiKey: 'test-deepgram-key', deepgramBaseUrl: deepgram.url, openaiApiKey: 'test-openai-key', openaiBaseUrl: `${openai.url}/v1` });
    try {
      const spoken = await speechFrames(question);
      const frames = [...silenceFrames(5000), ...spoken, ...silenceFrames(7000), ...spoken, ...silenceFrames(500)];
      await placeTwilioCall({ url: harness.mediaUrl, frames, quietHangupMs: 2500, maxDurationMs: 60_000 });
      const answers = readTimeline(harness.dataDir).filter((e) => e.turn && e.turn.index! > 0).map((e) => e.turn!.agentText);
      expect(answers).toEqual([
        'We are open from nine in the morning to six in the evening, Monday to Saturday.',
        'We are open from nine in the morning to six in the evening, Monday to Saturday.',
      ]);
      expect(openai.requests.length).toBeGreaterThanOrEqual(5);
      expect(openai.requests.length).toBeLessThanOrEqual(6);
      const metrics = await (await fetch(`${harness.edge.url}/metrics`)).text();
      expect(metrics).toMatch(/invorto_provider_breaker_state\{provider="openai"\} 2/);
      expect(metrics).toMatch(/invorto_provider_fallbacks_total\{provider="openai"\} 2/);
      expect(Number(/invorto_provider_retries_total\{provider="openai"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);
      // Time to first byte names the engine that answered, not the vendor that failed.
      expect(metrics).toMatch(/invorto_provider_ttfb_seconds_count\{stage="llm",provider="scripted"\} 2/);
      expect(metrics).not.toMatch(/invorto_provider_ttfb_seconds_count\{stage="llm",provider="openai"\}/);
    } finally {
      await harness.close();
      await deepgram.close();
      await openai.close();
    }
  }, 90_000);
});

describe('an ASR socket dropped mid-utterance', () => {
  it('is replaced, the utterance replayed, and the turn answered as if nothing happened', async () => {
    const question = 'What are your opening hours?';
    // The caller starts speaking 5 s in (message 250); the socket is cut at message 290, in the middle of the question.
    const deepgram = await startDeepgramEmulator({ listen: { utterances: [{ transcript: question }], finalDelayMs: 50, dropAfterMessages: 290 }, speak: { firstByteMs: 40 } });
    const harness = await startTestEdge({ deepgramApiKey: 'test-deepgram-key', deepgramBaseUrl: deepgram.url });
    try {
      const frames = [...silenceFrames(5000), ...(await speechFrames(question)), ...silenceFrames(500)];
      await placeTwilioCall({ url: harness.mediaUrl, frames, quietHangupMs: 2500, maxDurationMs: 40_000 });
      const events = readTimeline(harness.dataDir);
      expect(deepgram.listenRequests).toHaveLength(2);
      expect(events.find((e) => e.providerError)?.providerError).toMatchObject({ stage: 'asr', recovered: true });
      const turns = events.filter((e) => e.turn && e.turn.index! > 0).map((e) => e.turn!);
      expect(turns.map((t) => [t.callerText, t.agentText])).toEqual([[question, 'We are open from nine in the morning to six in the evening, Monday to Saturday.']]);
    } finally {
      await harness.close();
      await deepgram.close();
    }
  }, 60_000);
});

describe('a Deepgram that cannot be reached', () => {
  it('hands the call to the offline engines: the caller is greeted in the offline voice, not met with silence', async () => {
    const gone = await startDeepgramEmulator();
    const deadUrl = gone.url;
    await gone.close(); // nothing listens there any more
    const harness = await startTestEdge({ deepgramApiKey: 'test-deepgram-key', deepgramBaseUrl: deadUrl });
    try {
      const result = await placeTwilioCall({ url: harness.mediaUrl, frames: silenceFrames(6000), quietHangupMs: 1500, maxDurationMs: 30_000 });
      const greeting = readTimeline(harness.dataDir).find((e) => e.turn)?.turn;
      expect(greeting?.agentText).toBe('Hello, thank you for calling. How can I help you today?');
      expect(mulawRmsDbfs(result.agentAudio)).toBeGreaterThan(-40);
      const metrics = await (await fetch(`${harness.edge.url}/metrics`)).text();
      expect(metrics).toMatch(/invorto_provider_fallbacks_total\{provider="deepgram-tts"\} 1/);
      expect(metrics).toMatch(/invorto_provider_fallbacks_total\{provider="deepgram-asr"\} 1/);
      expect(metrics).toMatch(/invorto_provider_ttfb_seconds_count\{stage="tts",provider="flite"\} 1/);
      expect(metrics).not.toMatch(/invorto_provider_ttfb_seconds_count\{stage="tts",provider="deepgram"\}/);
    } finally {
      await harness.close();
    }
  }, 60_000);
});

describe('a per-call token limit', () => {
  it('is checked before each request: past it the agent answers without the LLM', async () => {
    const question = 'What are your opening hours?';
    const deepgram = await startDeepgramEmulator({ listen: { utterances: [{ transcript: question }, { transcript: question }], finalDelayMs: 50 }, speak: { firstByteMs: 40 } });
    const openai = await startOpenAiEmulator({ responder: () => ({ text: 'We are open from nine to six.' }) });
    const agent = { ...demoAgent('default'), maxCallTokens: 120, fallbackReply: 'I have to stop here; please call again later.' };
    const harness = await startTestEdge({ deepgramApiKey: 'test-deepgram-key', deepgramBaseUrl: deepgram.url, openaiApiKey: 'test-openai-key', openaiBaseUrl: `${openai.url}/v1` }, { agent });
    try {
      const spoken = await speechFrames(question);
      await placeTwilioCall({ url: harness.mediaUrl, frames: [...silenceFrames(5000), ...spoken, ...silenceFrames(5000), ...spoken, ...silenceFrames(500)], quietHangupMs: 2500, maxDurationMs: 40_000 });
      const events = readTimeline(harness.dataDir);
      expect(openai.requests).toHaveLength(1);
      expect(events.filter((e) => e.turn && e.turn.index! > 0).map((e) => e.turn!.agentText)).toEqual(['We are open from nine to six.', 'I have to stop here; please call again later.']);
      expect(events.find((e) => e.providerError)?.providerError?.message).toMatch(/call token limit reached \(\d+ used of 120\)/);
    } finally {
      await harness.close();
      await deepgram.close();
      await openai.close();
    }
  }, 60_000);
});

