// A call's usage per engine on the edge: what a reply reports as it spends (TTS characters as sentences go, the LLM's
// usage per request, a request cut by a barge-in included), how the report becomes Usage timeline events (one per
// engine a stage used), and how the live estimate prices it (each engine at its rate, cached tokens at theirs).
import { describe, expect, it } from 'vitest';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { enginesOf, estimatePaise, type EstimateRate } from '../src/budget/estimate.ts';
import type { AudioFormat, LlmChunk, LlmClient, LlmRequest, TtsEvents, TtsSession } from '../src/providers/types.ts';
import { Reply } from '../src/runtime/reply.ts';
import { UsageMeter, asrUsage, type LlmUsage } from '../src/runtime/usage-meter.ts';
import { usageEvents } from '../src/timeline/call-timeline.ts';
import { TypedEmitter } from '../src/util/typed-emitter.ts';

class QuietTts extends TypedEmitter<TtsEvents> implements TtsSession {
  readonly format: AudioFormat = { encoding: 'mulaw', sampleRateHz: 8000 };
  #sequence = -1;
  speak(): void {}
  flush(): number { return ++this.#sequence; }
  clear(): void {}
  async close(): Promise<void> {}
}

/** An LLM that says a sentence every 20 ms until aborted, then reports what it took, as the OpenAI adapter does. */
const slowLlm: LlmClient = {
  name: 'openai',
  async *stream(request: LlmRequest): AsyncIterable<LlmChunk> {
    let sentences = 0;
    while (!request.signal.aborted && sentences < 50) {
      yield { type: 'text', text: 'We are open every day. ' };
      sentences++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    yield { type: 'usage', inputTokens: 120, cachedInputTokens: 100, outputTokens: sentences * 6, model: 'gpt-4o-mini' };
  },
};

describe('a reply reports its usage as it spends it', () => {
  it('counts the TTS characters of every sentence sent, and the usage of an LLM request a barge-in cut short', async () => {
    const llm: LlmUsage[] = [];
    let characters = 0;
    const reply = new Reply(1, new QuietTts(), {
      onFirstToken: () => {}, onSpoken: () => {}, onError: (_stage, error) => { throw error; },
      onLlmUsage: (usage) => llm.push(usage), onTtsCharacters: (n) => { characters += n; },
    });
    const generating = reply.generate(slowLlm, [{ role: 'user', content: 'When are you open?' }], {});
    await new Promise((resolve) => setTimeout(resolve, 70));
    reply.cancel(); // the caller barged in
    await generating;
    // Two sentences went to TTS (two are synthesized at a time; none was flushed): both were paid for.
    expect(characters).toBe(2 * 'We are open every day.'.length);
    expect(llm).toHaveLength(1);
    expect(llm[0]).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', inputTokens: 120, cachedInputTokens: 100 });
    expect(llm[0].outputTokens).toBeGreaterThan(0);
  });
});

describe('usage report and its timeline events', () => {
  it('a call on one engine per stage reports one Usage event, naming them', () => {
    const meter = new UsageMeter();
    meter.addLlm({ provider: 'openai', model: 'gpt-4o-mini', inputTokens: 300, cachedInputTokens: 256, outputTokens: 40 });
    meter.addLlm({ provider: 'openai', model: 'gpt-4o-mini', inputTokens: 420, cachedInputTokens: 256, outputTokens: 25 });
    meter.addTts('deepgram', 'aura-2-thalia-en', 120);
    const report = meter.report(30.5, asrUsage([['deepgram', 28]], { provider: 'deepgram', model: 'nova-3' }));
    expect(report).toMatchObject({ telephonyS: 30.5, asrAudioS: 28, llmInputTokens: 720, llmCachedInputTokens: 512, llmOutputTokens: 65, ttsCharacters: 120, llmModel: 'gpt-4o-mini' });
    expect(meter.llmTokens).toBe(785);
    expect(usageEvents(report)).toEqual([{
      telephonyS: 30.5, asrAudioS: 28, asrProvider: 'deepgram', asrModel: 'nova-3',
      llmInputTokens: 720, llmCachedInputTokens: 512, llmOutputTokens: 65, llmModel: 'gpt-4o-mini', llmProvider: 'openai',
      ttsCharacters: 120, ttsProvider: 'deepgram', ttsVoice: 'aura-2-thalia-en',
    }]);
  });

  it('a stage that used several engines adds an event per further engine; telephony is counted once', () => {
    const meter = new UsageMeter();
    meter.addLlm({ provider: 'openai', model: 'gpt-4o-mini', inputTokens: 300, cachedInputTokens: 0, outputTokens: 40 });
    meter.addTts('deepgram', '', 80);
    meter.addTts('flite', '', 200);
    meter.addTts('deepgram', 'aura-2-celeste-es', 50);
    const report = meter.report(60, asrUsage([['deepgram', 20], ['pocketsphinx', 35.5]], { provider: 'deepgram' }));
    const events = usageEvents(report);
    expect(events).toHaveLength(3);
    expect(events.map((e) => [e.telephonyS, e.asrProvider, e.asrAudioS, e.llmModel, e.ttsProvider, e.ttsVoice, e.ttsCharacters])).toEqual([
      [60, 'deepgram', 20, 'gpt-4o-mini', 'deepgram', '', 80],
      [0, 'pocketsphinx', 35.5, undefined, 'flite', '', 200],
      [0, undefined, undefined, undefined, 'deepgram', 'aura-2-celeste-es', 50],
    ]);
    expect(events[1].asrModel).toBe(''); // the offline engine's own model: billing names it
  });
});

describe('the live estimate, per engine', () => {
  const RATES: EstimateRate[] = [
    { component: 'telephony', provider: 'twilio', model: 'inbound', microPaisePerUnit: 1_000 },
    { component: 'asr', provider: 'deepgram', model: 'nova-3', microPaisePerUnit: 500 },
    { component: 'asr', provider: 'pocketsphinx', model: '*', microPaisePerUnit: 0 },
    { component: 'asr', provider: '*', model: '*', microPaisePerUnit: 900 },
    { component: 'tts', provider: 'deepgram', model: 'aura-2', microPaisePerUnit: 300_000 },
    { component: 'tts', provider: 'flite', model: '*', microPaisePerUnit: 0 },
    { component: 'llm_input', provider: 'openai', model: 'gpt-4o-mini', microPaisePerUnit: 1_500 },
    { component: 'llm_cached_input', provider: 'openai', model: 'gpt-4o-mini', microPaisePerUnit: 750 },
    { component: 'llm_output', provider: 'openai', model: 'gpt-4o-mini', microPaisePerUnit: 6_000 },
  ];
  const engines = enginesOf({ ...demoAgent('t'), llm: { provider: 'openai', model: 'gpt-4o-mini' } }, 'twilio');

  it('prices each engine at its own rate and cached input tokens at the cached rate', () => {
    const meter = new UsageMeter();
    meter.addLlm({ provider: 'openai', model: 'gpt-4o-mini', inputTokens: 2000, cachedInputTokens: 1000, outputTokens: 300 });
    meter.addTts('deepgram', '', 400);
    meter.addTts('flite', '', 100);
    const report = meter.report(60, asrUsage([['deepgram', 10], ['pocketsphinx', 30]], { provider: 'deepgram' }));
    // 60,000 ms × 1,000 + 10,000 ms × 500 + 30,000 ms × 0 + 1,000 × 1,500 + 1,000 × 750 + 300 × 6,000 + 400 × 300,000
    // + 100 × 0 micro-paise = 60 + 5 + 1.5 + 0.75 + 1.8 + 120 = 189.05 paise. Priced as before (all on Deepgram, no cache) it would be 234.8.
    expect(estimatePaise(report, engines, RATES)).toBeCloseTo(189.05, 9);
    // A control that serves no cached-input rate (older than it): cached tokens are priced as input, never as free.
    expect(estimatePaise(report, engines, RATES.filter((r) => r.component !== 'llm_cached_input'))).toBeCloseTo(189.8, 9);
  });
});
