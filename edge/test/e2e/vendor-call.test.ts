// The same call through the Deepgram and OpenAI adapters (real SDKs) against the loopback emulators.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ruleResponder, startDeepgramEmulator, startOpenAiEmulator, type DeepgramEmulator, type OpenAiEmulator } from '../../testing/emulators/index.ts';
import type { CallerResult } from '../../src/sim/carrier-caller.ts';
import { mulawRmsDbfs } from '../../src/sim/caller-sounds.ts';
import { callSaying, emulatorKeys, startTestEdge, type EdgeHarness } from '../helpers/edge-harness.ts';
import { readTimeline } from '../helpers/timeline.ts';

describe('a call through Deepgram + OpenAI (emulated)', () => {
  let deepgram: DeepgramEmulator;
  let openai: OpenAiEmulator;
  let harness: EdgeHarness;
  let result: CallerResult;

  beforeAll(async () => {
    deepgram = await startDeepgramEmulator({ listen: { utterances: [{ transcript: 'I would like to book an appointment.', confidence: 0.97 }], finalDelayMs: 50 }, speak: { firstByteMs: 40 } });
    openai = await startOpenAiEmulator({ firstTokenMs: 60, responder: ruleResponder([{ when: /appointment/i, reply: { text: 'Of course. Which day would suit you?' } }]) });
    harness = await startTestEdge(emulatorKeys(deepgram, openai));
    result = await callSaying(harness, 'I would like to book an appointment.');
  }, 60_000);
  afterAll(async () => {
    await harness?.close();
    await deepgram?.close();
    await openai?.close();
  });

  it('greets, hears the caller through Deepgram, answers through OpenAI, and speaks through Aura', () => {
    expect(result.closeCode).toBe(1000);
    expect(result.replies.map((r) => r.mark)).toEqual(['reply-0', 'reply-1']);
    expect(mulawRmsDbfs(result.agentAudio)).toBeGreaterThan(-40);
    const events = readTimeline(harness.dataDir);
    expect(events.find((e) => e.transcript?.isFinal)?.transcript?.text).toBe('I would like to book an appointment.');
    const turn = events.filter((e) => e.turn).map((e) => e.turn!)[1];
    expect(turn.agentText).toBe('Of course. Which day would suit you?');
    expect(turn.agentFirstAudioMs!).toBeGreaterThan(turn.callerSpeechEndMs!);
    const usage = events.find((e) => e.usage)?.usage;
    expect(usage?.llmModel).toBe('gpt-4o-mini');
    expect(usage?.llmOutputTokens).toBeGreaterThan(0);
  });

  it('spoke the providers\' wire protocols', () => {
    const [listen] = deepgram.listenRequests;
    expect(listen.query).toMatchObject({ encoding: 'mulaw', sample_rate: '8000', model: 'nova-3' });
    expect(listen.controls).toContain('CloseStream');
    expect(deepgram.speakRequests[0].query).toMatchObject({ encoding: 'mulaw', sample_rate: '8000' });
    expect(deepgram.speakRequests[0].texts).toEqual(['Hello, thank you for calling. How can I help you today?', 'Of course.', 'Which day would suit you?']);
    const chat = openai.requests[0].body as { messages: { role: string; content: string }[] };
    expect(chat.messages[0].role).toBe('system');
    expect(chat.messages.at(-1)).toEqual({ role: 'user', content: 'I would like to book an appointment.' });
  });

  it('shows each provider\'s time to first byte in /metrics', async () => {
    const metrics = await (await fetch(`${harness.edge.url}/metrics`)).text();
    for (const [stage, provider] of [['asr', 'deepgram'], ['llm', 'openai'], ['tts', 'deepgram']]) {
      const count = new RegExp(`invorto_provider_ttfb_seconds_count\\{stage="${stage}",provider="${provider}"\\} (\\d+)`).exec(metrics)?.[1];
      expect(Number(count), `${stage}/${provider}`).toBeGreaterThanOrEqual(1);
    }
  });
});
