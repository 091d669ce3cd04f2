// A call's usage from its timeline events, per engine: each usage event's quantities go to the engine and model it
// names (a call that failed over is billed each engine at its own rate), cached input tokens are billed apart, events
// delivered twice or out of order count once, and an older edge's event (no engine names) bills as it always did.
import { describe, expect, it } from 'vitest';
import { defaultsFromAgentConfig } from '../src/modules/billing/call-billing.ts';
import { computeRecord } from '../src/modules/billing/compute.ts';
import { usageFromTimeline, type TimelineEventJson } from '../src/modules/billing/usage.ts';
import { DEFAULT_PRICES } from '../src/modules/pricing/defaults.ts';
import { PriceBook } from '../src/modules/pricing/price-book.ts';

const T0 = Date.parse('2026-06-10T05:00:00Z');
const event = (seq: number, kind: string, payload: Record<string, unknown>): TimelineEventJson => ({ callId: 'call_u', seq, tsMs: T0 + seq * 1000, tenantId: 't1', agentId: 'agt', kind, payload });
/** The demo agent's engines: "auto" everywhere, billed as Deepgram nova-3 and Aura-2 when an event names none. */
const AUTO = defaultsFromAgentConfig(JSON.stringify({ asr: { provider: 'auto' }, llm: { provider: 'auto' }, tts: { provider: 'auto' } }));
const book = new PriceBook(
  DEFAULT_PRICES.map((p, i) => ({ id: `pr_${i}`, tenantId: null, currency: 'USD' as const, ...p, effectiveFromMs: 0, effectiveToMs: null })),
  [{ id: 'fx', rate: '85.00', effectiveFromMs: 0, effectiveToMs: null, source: 'test' }],
);

/** A call whose ASR failed over from Deepgram to pocketsphinx, whose LLM fell back to another model and then to the
 * offline engine, and whose voice failed over from Aura to Flite: one usage event per engine, as the edge sends them. */
const failedOver = [
  event(1, 'callStarted', { transport: 'twilio' }),
  event(2, 'usage', {
    telephonyS: 120, asrAudioS: 40.5, asrProvider: 'deepgram',
    llmInputTokens: 3000, llmCachedInputTokens: 1024, llmOutputTokens: 200, llmModel: 'gpt-4o-mini', llmProvider: 'openai',
    ttsCharacters: 900, ttsProvider: 'deepgram', ttsVoice: 'aura-2-thalia-en',
  }),
  event(3, 'usage', { asrAudioS: 70.25, asrProvider: 'pocketsphinx', llmInputTokens: 800, llmOutputTokens: 50, llmModel: 'gpt-4.1-mini', llmProvider: 'openai', ttsCharacters: 300, ttsProvider: 'flite' }),
  event(4, 'usage', { llmInputTokens: 500, llmOutputTokens: 40, llmModel: 'scripted', llmProvider: 'scripted' }),
  event(5, 'callEnded', { reason: 'caller_hangup', durationS: 120.4 }),
];

describe('usage from the timeline, per engine', () => {
  it('bills each engine and model the seconds, tokens and characters spent on it, cached input apart', () => {
    const usage = usageFromTimeline(failedOver, AUTO)!;
    expect(usage.telephony).toEqual({ carrier: 'twilio', direction: 'inbound', seconds: 120 });
    expect(usage.asr).toEqual([{ provider: 'deepgram', model: 'nova-3', seconds: 40.5 }, { provider: 'pocketsphinx', model: '*', seconds: 70.25 }]);
    expect(usage.llm).toEqual([
      { provider: 'openai', model: 'gpt-4o-mini', inputTokens: 1976, cachedInputTokens: 1024, outputTokens: 200 },
      { provider: 'openai', model: 'gpt-4.1-mini', inputTokens: 800, cachedInputTokens: 0, outputTokens: 50 },
      { provider: 'scripted', model: 'scripted', inputTokens: 500, cachedInputTokens: 0, outputTokens: 40 },
    ]);
    expect(usage.tts).toEqual([{ provider: 'deepgram', model: 'aura-2', characters: 900 }, { provider: 'flite', model: '*', characters: 300 }]);
    // Default book, ₹85.00 a dollar, no markup. telephony 120,000 ms × $0.0085/min = $0.017 → ₹1.445 → 145 p;
    // asr nova-3 40,500 ms × $0.0077/min = $0.0051975 → ₹0.4417875 → 44 p; pocketsphinx 70,250 ms × 0 = 0;
    // llm_input gpt-4.1-mini 800 × $0.40/1M → ₹0.0272 → 3 p; gpt-4o-mini 1,976 × $0.15/1M → ₹0.025194 → 3 p; scripted 0;
    // llm_cached_input gpt-4o-mini 1,024 × $0.075/1M = $0.0000768 → ₹0.006528 → 1 p;
    // llm_output gpt-4.1-mini 50 × $1.60/1M → ₹0.0068 → 1 p; gpt-4o-mini 200 × $0.60/1M → ₹0.0102 → 1 p; scripted 0;
    // tts aura-2 900 × $0.030/1k = $0.027 → ₹2.295 → 230 p (half-up); flite 300 × 0 = 0. Cost 428 p.
    // Billed as before (everything on the agent's Deepgram) it would have been 121 p of ASR and 306 p of TTS.
    const record = computeRecord(usage, book, { markupPercent: '0', gstPercent: '18', taxMode: 'intra' });
    expect(record.lines.map((l) => [l.component, `${l.provider}/${l.model}`, l.quantity, l.unitPrice, l.costPaise])).toEqual([
      ['telephony', 'twilio/inbound', 120_000, '0.0085', 145],
      ['asr', 'deepgram/nova-3', 40_500, '0.0077', 44],
      ['asr', 'pocketsphinx/*', 70_250, '0', 0],
      ['llm_input', 'openai/gpt-4.1-mini', 800, '0.40', 3],
      ['llm_input', 'openai/gpt-4o-mini', 1976, '0.15', 3],
      ['llm_input', 'scripted/scripted', 500, '0', 0],
      ['llm_cached_input', 'openai/gpt-4o-mini', 1024, '0.075', 1],
      ['llm_output', 'openai/gpt-4.1-mini', 50, '1.60', 1],
      ['llm_output', 'openai/gpt-4o-mini', 200, '0.60', 1],
      ['llm_output', 'scripted/scripted', 40, '0', 0],
      ['tts', 'deepgram/aura-2', 900, '0.030', 230],
      ['tts', 'flite/*', 300, '0', 0],
    ]);
    expect(record.totals.costPaise).toBe(428);
  });

  it('counts an event delivered twice, or the events in another order, once', () => {
    const once = usageFromTimeline(failedOver, AUTO);
    const replayed = [...failedOver, failedOver[2], failedOver[1], failedOver[3]].reverse();
    expect(usageFromTimeline(replayed, AUTO)).toEqual(once);
  });

  it("an agent's own model stays on its engine; another engine without a model is billed at its default", () => {
    const nova2 = defaultsFromAgentConfig(JSON.stringify({ asr: { provider: 'deepgram', model: 'nova-2' }, tts: { provider: 'flite' } }));
    const usage = usageFromTimeline([
      event(1, 'usage', { asrAudioS: 10, asrProvider: 'deepgram', ttsCharacters: 50, ttsProvider: 'flite' }),
      event(2, 'usage', { asrAudioS: 2, asrProvider: 'pocketsphinx', ttsCharacters: 20, ttsProvider: 'deepgram' }),
    ], nova2)!;
    expect(usage.asr).toEqual([{ provider: 'deepgram', model: 'nova-2', seconds: 10 }, { provider: 'pocketsphinx', model: '*', seconds: 2 }]);
    expect(usage.tts).toEqual([{ provider: 'flite', model: '*', characters: 50 }, { provider: 'deepgram', model: 'aura-2', characters: 20 }]);
  });

  it("an older edge's usage event (no engines named, no cached count) is billed as before: on the agent's engines", () => {
    const old = [
      event(1, 'callStarted', { transport: 'twilio' }),
      event(2, 'usage', { asrAudioS: 181.2, llmInputTokens: 7278, llmOutputTokens: 612, ttsCharacters: 1347, telephonyS: 185.4, llmModel: 'gpt-4o-mini' }),
      event(3, 'callEnded', { reason: 'caller_hangup', durationS: 185.4 }),
    ];
    expect(usageFromTimeline(old, AUTO)).toEqual({
      callId: 'call_u', tenantId: 't1', agentId: 'agt', startedAtMs: T0 + 1000,
      telephony: { carrier: 'twilio', direction: 'inbound', seconds: 185.4 },
      asr: [{ provider: 'deepgram', model: 'nova-3', seconds: 181.2 }],
      llm: [{ provider: 'openai', model: 'gpt-4o-mini', inputTokens: 7278, cachedInputTokens: 0, outputTokens: 612 }],
      tts: [{ provider: 'deepgram', model: 'aura-2', characters: 1347 }],
      tools: [],
    });
    const nova2 = defaultsFromAgentConfig(JSON.stringify({ asr: { provider: 'deepgram', model: 'nova-2' }, tts: { provider: 'flite' } }));
    const usage = usageFromTimeline(old, nova2)!;
    expect(usage.asr).toEqual([{ provider: 'deepgram', model: 'nova-2', seconds: 181.2 }]);
    expect(usage.tts).toEqual([{ provider: 'flite', model: '*', characters: 1347 }]);
  });
});
