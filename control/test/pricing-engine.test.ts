// The exact-money rules and the price book's bad inputs, without a database.
import { describe, expect, it } from 'vitest';
import { computeRecord } from '../src/modules/billing/compute.ts';
import { usageFromTimeline, type CallUsage, type TimelineEventJson } from '../src/modules/billing/usage.ts';
import { amountInWords, divideHalfUp, formatDecimal, parseDecimal, PRICE_SCALE, rupeesGrouped } from '../src/modules/pricing/money.ts';
import { OverlapError, planInsert, PriceBook } from '../src/modules/pricing/price-book.ts';
import { financialYear, istMidnight, istMonth, monthRange } from '../src/modules/pricing/time.ts';
import type { PriceEntry } from '../src/modules/pricing/types.ts';

describe('money', () => {
  it('parses prices exactly and refuses negative, non-numeric and over-precise ones', () => {
    expect(parseDecimal('0.0077', PRICE_SCALE, 'price')).toBe(7_700_000n);
    expect(formatDecimal(7_700_000n, PRICE_SCALE)).toBe('0.0077');
    // 0.1 + 0.2 in binary floats is 0.30000000000000004; here it is exact.
    expect(parseDecimal('0.1', PRICE_SCALE, 'p') + parseDecimal('0.2', PRICE_SCALE, 'p')).toBe(parseDecimal('0.3', PRICE_SCALE, 'p'));
    expect(() => parseDecimal('-0.5', PRICE_SCALE, 'price')).toThrow(/may not be negative/);
    expect(() => parseDecimal('abc', PRICE_SCALE, 'price')).toThrow(/plain non-negative decimal/);
    expect(() => parseDecimal('1e-3', PRICE_SCALE, 'price')).toThrow(/plain non-negative decimal/);
    expect(() => parseDecimal('NaN', PRICE_SCALE, 'price')).toThrow(/plain non-negative decimal/);
    expect(() => parseDecimal(null, PRICE_SCALE, 'price')).toThrow(/decimal string/);
    expect(() => parseDecimal('0.0000000001', PRICE_SCALE, 'price')).toThrow(/more than 9 decimal places/);
  });

  it('rounds half-up to the paisa: .5 goes up, below .5 goes down', () => {
    expect(divideHalfUp(4255n, 10n)).toBe(426n); // 425.5 → 426
    expect(divideHalfUp(42549n, 100n)).toBe(425n); // 425.49 → 425
    expect(divideHalfUp(1n, 2n)).toBe(1n); // 0.5 → 1
    expect(divideHalfUp(0n, 7n)).toBe(0n);
  });

  it('writes amounts in Indian figures and words', () => {
    expect(rupeesGrouped(1234567890n)).toBe('1,23,45,678.90');
    expect(rupeesGrouped(5n)).toBe('0.05');
    expect(amountInWords(1234567890n)).toBe('Rupees One Crore Twenty-Three Lakh Forty-Five Thousand Six Hundred Seventy-Eight and Ninety Paise Only');
    expect(amountInWords(100n)).toBe('Rupees One Only');
  });

  it('takes days, months and financial years in IST', () => {
    // 20:00 UTC on 30 April is 01:30 IST on 1 May.
    expect(istMonth(Date.parse('2026-04-30T20:00:00Z'))).toBe('2026-05');
    expect(monthRange('2026-05')).toEqual([Date.parse('2026-04-30T18:30:00Z'), Date.parse('2026-05-31T18:30:00Z')]);
    expect(financialYear('2026-04')).toBe('2026-27');
    expect(financialYear('2027-03')).toBe('2026-27');
    expect(financialYear('2099-12')).toBe('2099-00');
  });
});

const entry = (over: Partial<PriceEntry>): PriceEntry => ({
  id: 'pr', tenantId: null, component: 'asr', provider: 'deepgram', model: 'nova-3', currency: 'USD', price: '0.0077', unit: 'minute',
  effectiveFromMs: 0, effectiveToMs: null, source: 'test', ...over,
});

describe('the price book', () => {
  it('supersedes an open-ended entry with a later open-ended one and refuses every other overlap', () => {
    const open = entry({ id: 'pr_old', effectiveFromMs: 1000 });
    expect(planInsert([open], { effectiveFromMs: 5000, effectiveToMs: null }, 'price').close).toBe(open);
    // A bounded range inside an open one would leave a gap after it: refused, naming the entry.
    expect(() => planInsert([open], { effectiveFromMs: 5000, effectiveToMs: 6000 }, 'price')).toThrow(OverlapError);
    const closed = entry({ id: 'pr_closed', effectiveFromMs: 1000, effectiveToMs: 5000 });
    expect(() => planInsert([closed], { effectiveFromMs: 4000, effectiveToMs: null }, 'price')).toThrow(/overlaps pr_closed/);
    expect(planInsert([closed], { effectiveFromMs: 5000, effectiveToMs: null }, 'price').close).toBeNull();
    expect(() => planInsert([open], { effectiveFromMs: 500, effectiveToMs: null }, 'price')).toThrow(/overlaps pr_old/);
    expect(() => planInsert([], { effectiveFromMs: 5000, effectiveToMs: 5000 }, 'price')).toThrow(/after effectiveFrom/);
  });

  it("prefers a tenant's override, then the provider's any-model entry, then the flagged default", () => {
    const book = new PriceBook([
      entry({ id: 'global' }), entry({ id: 'tenant', tenantId: 't1', price: '0.0050' }),
      entry({ id: 'pocket', provider: 'pocketsphinx', model: '*', price: '0' }), entry({ id: 'default', provider: '*', model: '*', price: '0.0092' }),
    ], []);
    expect(book.resolve('t1', 'asr', 'deepgram', 'nova-3', 10)).toMatchObject({ entry: { id: 'tenant' }, unknownModel: false });
    expect(book.resolve('t2', 'asr', 'deepgram', 'nova-3', 10)).toMatchObject({ entry: { id: 'global' }, unknownModel: false });
    expect(book.resolve('t2', 'asr', 'pocketsphinx', 'en-us', 10)).toMatchObject({ entry: { id: 'pocket' }, unknownModel: false });
    expect(book.resolve('t2', 'asr', 'deepgram', 'nova-9', 10)).toMatchObject({ entry: { id: 'default' }, unknownModel: true });
  });
});

const usage = (over: Partial<CallUsage> = {}): CallUsage => ({
  callId: 'c', tenantId: 't', agentId: 'a', startedAtMs: istMidnight('2026-03-15'), telephony: null,
  asr: [{ provider: 'deepgram', model: 'nova-3', seconds: 60 }], llm: [], tts: [], tools: [], ...over,
});
const terms = { markupPercent: '0', gstPercent: '18', taxMode: 'intra' as const };

describe('records that cannot be priced, and unknown models', () => {
  it('marks a call with no exchange rate for its date unpriced, naming the date, not priced at 0', () => {
    const book = new PriceBook([entry({})], [{ id: 'fx', rate: '85', effectiveFromMs: istMidnight('2026-04-01'), effectiveToMs: null, source: 't' }]);
    const r = computeRecord(usage(), book, terms);
    expect(r.status).toBe('unpriced');
    expect(r.error).toMatch(/no USD→INR exchange rate in force on 2026-03-15/);
    expect(r.totals.totalPaise).toBe(0);
    expect(r.lines).toEqual([]);
  });

  it('marks a call unpriced when nothing, not even a default, prices a line', () => {
    const r = computeRecord(usage({ asr: [{ provider: 'acme', model: 'x', seconds: 5 }] }), new PriceBook([entry({})], []), terms);
    expect(r).toMatchObject({ status: 'unpriced' });
    expect(r.error).toMatch(/no price for asr acme\/x on 2026-03-15/);
  });

  it('prices an unknown model by the configured default and flags the line', () => {
    const book = new PriceBook([entry({}), entry({ id: 'dflt', component: 'llm_output', provider: '*', model: '*', price: '10', unit: '1m_tokens' })],
      [{ id: 'fx', rate: '85', effectiveFromMs: 0, effectiveToMs: null, source: 't' }]);
    const r = computeRecord(usage({ llm: [{ provider: 'openai', model: 'gpt-9', inputTokens: 0, cachedInputTokens: 0, outputTokens: 1000 }] }), book, terms);
    expect(r.status).toBe('priced');
    // 1,000 × $10/1M = $0.01 × 85 = ₹0.85 → 85 p.
    expect(r.lines[1]).toMatchObject({ component: 'llm_output', model: 'gpt-9', unknownModel: true, costPaise: 85 });
    expect(r.flags).toEqual(['llm_output openai/gpt-9: priced by the default for unknown models']);
  });
});

describe('usage from the timeline', () => {
  const ev = (seq: number, kind: string, payload: Record<string, unknown>, tsMs = 1000 + seq): TimelineEventJson =>
    ({ callId: 'c1', seq, tsMs, tenantId: 't', agentId: 'a', kind, payload });
  const defaults = { asr: { provider: 'deepgram', model: 'nova-3' }, tts: { provider: 'deepgram', model: 'aura-2' } };

  it('counts duplicated and out-of-order events once and takes the carrier from the start', () => {
    const events = [
      ev(4, 'callEnded', { reason: 'caller_hangup', durationS: 61 }),
      ev(3, 'usage', { asrAudioS: 58.5, llmInputTokens: 900, llmOutputTokens: 120, ttsCharacters: 400, telephonyS: 60.2, llmModel: 'gpt-4o-mini' }),
      ev(2, 'toolCall', { name: 'book', callRef: 'r1' }),
      ev(1, 'callStarted', { transport: 'twilio' }, 1000),
      ev(3, 'usage', { asrAudioS: 58.5, llmInputTokens: 900, llmOutputTokens: 120, ttsCharacters: 400, telephonyS: 60.2, llmModel: 'gpt-4o-mini' }),
      ev(2, 'toolCall', { name: 'book', callRef: 'r1' }),
    ];
    expect(usageFromTimeline(events, defaults)).toEqual({
      callId: 'c1', tenantId: 't', agentId: 'a', startedAtMs: 1000,
      telephony: { carrier: 'twilio', direction: 'inbound', seconds: 60.2 },
      asr: [{ provider: 'deepgram', model: 'nova-3', seconds: 58.5 }],
      llm: [{ provider: 'openai', model: 'gpt-4o-mini', inputTokens: 900, cachedInputTokens: 0, outputTokens: 120 }],
      tts: [{ provider: 'deepgram', model: 'aura-2', characters: 400 }],
      tools: [{ name: 'book', calls: 1 }],
    });
  });
});

describe('invoice figures for people', async () => {
  const { shownQuantity } = await import('../src/modules/billing/invoice-formats.ts');
  it('shows milliseconds as minutes to the hundredth, half-up, and counts as counted', () => {
    expect(shownQuantity(185_400, 'ms')).toBe('3.09 min');
    expect(shownQuantity(30, 'ms')).toBe('0.00 min');
    expect(shownQuantity(300, 'ms')).toBe('0.01 min');
    expect(shownQuantity(1_234_567, 'tokens')).toBe('12,34,567 tokens');
  });
});
