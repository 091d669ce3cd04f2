// Golden calls: usage known, every paisa computed by hand in the comments. Rule (docs/costing.md): each line's
// cost = quantity × price (× rate for USD) as one exact fraction, rounded half-up to the paisa; markup and GST are
// per line on the rounded amounts, each rounded half-up to the paisa; totals are the lines' sums.
import { describe, expect, it } from 'vitest';
import { computeRecord, type BillingLine } from '../src/modules/billing/compute.ts';
import type { CallUsage } from '../src/modules/billing/usage.ts';
import { DEFAULT_PRICES } from '../src/modules/pricing/defaults.ts';
import { PriceBook } from '../src/modules/pricing/price-book.ts';
import { istMidnight } from '../src/modules/pricing/time.ts';
import type { BillingTerms, FxRate, PriceEntry } from '../src/modules/pricing/types.ts';

const JULY = istMidnight('2026-07-01');
const defaults: PriceEntry[] = DEFAULT_PRICES.map((p, i) => ({
  id: `pr_${i}`, tenantId: null, component: p.component, provider: p.provider, model: p.model, currency: p.currency ?? 'USD',
  price: p.price, unit: p.unit, effectiveFromMs: 0, effectiveToMs: null, source: p.source,
}));
// The price change: Deepgram nova-3 0.0077 → 0.0080 a minute from 1 July 2026 (IST).
const entries = defaults.map((e) => (e.model === 'nova-3' ? { ...e, effectiveToMs: JULY } : e));
entries.push({ ...defaults.find((e) => e.model === 'nova-3')!, id: 'pr_nova3_july', price: '0.0080', effectiveFromMs: JULY, effectiveToMs: null });
// The exchange-rate change: 84.25 until 30 June, 85.10 from 1 July.
const rates: FxRate[] = [
  { id: 'fx_june', rate: '84.25', effectiveFromMs: istMidnight('2026-01-01'), effectiveToMs: JULY, source: 'test' },
  { id: 'fx_july', rate: '85.10', effectiveFromMs: JULY, effectiveToMs: null, source: 'test' },
];
const book = new PriceBook(entries, rates);
const intra20: BillingTerms = { markupPercent: '20', gstPercent: '18', taxMode: 'intra' };
const inter15: BillingTerms = { markupPercent: '15', gstPercent: '18', taxMode: 'inter' };

const pick = (lines: BillingLine[]) => lines.map((l) => [l.component, l.costPaise, l.markupPaise, l.gstPaise, l.totalPaise]);

describe('golden calls, to the paisa', () => {
  it('call A: Twilio inbound, nova-3, gpt-4o-mini with cached input, Aura-2; 20 % markup, CGST+SGST', () => {
    const usage: CallUsage = {
      callId: 'call_a', tenantId: 't1', agentId: 'agt', startedAtMs: istMidnight('2026-06-10') + 3_600_000,
      telephony: { carrier: 'twilio', direction: 'inbound', seconds: 185.4 },
      asr: [{ provider: 'deepgram', model: 'nova-3', seconds: 181.2 }],
      llm: [{ provider: 'openai', model: 'gpt-4o-mini', inputTokens: 5230, cachedInputTokens: 2048, outputTokens: 612 }],
      tts: [{ provider: 'deepgram', model: 'aura-2', characters: 1347 }],
      tools: [],
    };
    const r = computeRecord(usage, book, intra20);
    expect(r.status).toBe('priced');
    expect(r.fxRate).toBe('84.25');
    // telephony 185,400 ms × $0.0085/60,000 ms = $0.026265 × 84.25 = ₹2.21282625 → 221 p; markup 20 % = 44.2 → 44;
    //   taxable 265; CGST 9 % = 23.85 → 24, SGST 24; GST 48; total 313.
    // asr 181,200 ms × $0.0077/60,000 = $0.023254 × 84.25 = ₹1.9591495 → 196 p; markup 39.2 → 39; taxable 235;
    //   9 % = 21.15 → 21 each; GST 42; total 277.
    // llm_input 5,230 × $0.15/1M = $0.0007845 × 84.25 = ₹0.066094125 → 7 p; markup 1.4 → 1; taxable 8; 9 % = 0.72 → 1
    //   each; GST 2; total 10.
    // llm_cached_input 2,048 × $0.075/1M = $0.0001536 × 84.25 = ₹0.0129408 → 1 p; markup 0.2 → 0; taxable 1;
    //   9 % = 0.09 → 0; total 1.
    // llm_output 612 × $0.60/1M = $0.0003672 × 84.25 = ₹0.0309366 → 3 p; markup 0.6 → 1; taxable 4; 9 % = 0.36 → 0;
    //   total 4.
    // tts 1,347 chars × $0.030/1,000 = $0.04041 × 84.25 = ₹3.4045425 → 340 p; markup 68; taxable 408; 9 % = 36.72 →
    //   37 each; GST 74; total 482.
    expect(pick(r.lines)).toEqual([
      ['telephony', 221, 44, 48, 313], ['asr', 196, 39, 42, 277], ['llm_input', 7, 1, 2, 10],
      ['llm_cached_input', 1, 0, 0, 1], ['llm_output', 3, 1, 0, 4], ['tts', 340, 68, 74, 482],
    ]);
    // cost 768, markup 153, taxable 921, GST 166 (CGST 83 + SGST 83), total 1,087 p = ₹10.87.
    // USD (shown to 6 places): 0.026265 + 0.023254 + 0.000785 + 0.000154 + 0.000367 + 0.040410 = $0.091235.
    expect(r.totals).toEqual({ usdMicros: 91235, costPaise: 768, markupPaise: 153, taxablePaise: 921, cgstPaise: 83, sgstPaise: 83, igstPaise: 0, gstPaise: 166, totalPaise: 1087 });
    expect(r.lines[0]).toMatchObject({ quantity: 185400, quantityUnit: 'ms', unitPrice: '0.0085', priceUnit: 'minute', currency: 'USD', usd: '0.026265' });
  });

  it('call B: Exotel in rupees, nova-3 multilingual, gpt-4.1-mini; 15 % markup, IGST (another state)', () => {
    const usage: CallUsage = {
      callId: 'call_b', tenantId: 't2', agentId: 'agt', startedAtMs: istMidnight('2026-06-20'),
      telephony: { carrier: 'exotel', direction: 'inbound', seconds: 92.35 },
      asr: [{ provider: 'deepgram', model: 'nova-3-multilingual', seconds: 90 }],
      llm: [{ provider: 'openai', model: 'gpt-4.1-mini', inputTokens: 3100, cachedInputTokens: 0, outputTokens: 420 }],
      tts: [{ provider: 'deepgram', model: 'aura-2', characters: 812 }],
      tools: [],
    };
    const r = computeRecord(usage, book, inter15);
    // telephony 92,350 ms × ₹0.50/60,000 = ₹0.769583… → 77 p (no exchange rate: priced in rupees); markup 15 % =
    //   11.55 → 12; taxable 89; IGST 18 % = 16.02 → 16; total 105.
    // asr 90,000 ms × $0.0092/60,000 = $0.0138 × 84.25 = ₹1.16265 → 116 p; markup 17.4 → 17; taxable 133;
    //   IGST 23.94 → 24; total 157.
    // llm_input 3,100 × $0.40/1M = $0.00124 × 84.25 = ₹0.10447 → 10 p; markup 1.5 → 2 (half-up); taxable 12;
    //   IGST 2.16 → 2; total 14.
    // llm_output 420 × $1.60/1M = $0.000672 × 84.25 = ₹0.056616 → 6 p; markup 0.9 → 1; taxable 7; IGST 1.26 → 1;
    //   total 8.
    // tts 812 × $0.030/1,000 = $0.02436 × 84.25 = ₹2.05233 → 205 p; markup 30.75 → 31; taxable 236;
    //   IGST 42.48 → 42; total 278.
    expect(pick(r.lines)).toEqual([
      ['telephony', 77, 12, 16, 105], ['asr', 116, 17, 24, 157], ['llm_input', 10, 2, 2, 14],
      ['llm_output', 6, 1, 1, 8], ['tts', 205, 31, 42, 278],
    ]);
    expect(r.lines[0]).toMatchObject({ currency: 'INR', usd: null, unitPrice: '0.50' });
    // cost 414, markup 63, taxable 477, IGST 85, total 562 p = ₹5.62.
    expect(r.totals).toMatchObject({ costPaise: 414, markupPaise: 63, taxablePaise: 477, cgstPaise: 0, sgstPaise: 0, igstPaise: 85, gstPaise: 85, totalPaise: 562 });
  });

  // Call C twice: the same usage starting two minutes before and one minute after midnight IST on 1 July, when
  // nova-3 went 0.0077 → 0.0080 and the rate 84.25 → 85.10. The call is priced by what was in force at its start.
  const callC = (startedAtMs: number): CallUsage => ({
    callId: 'call_c', tenantId: 't1', agentId: 'agt', startedAtMs,
    telephony: { carrier: 'plivo', direction: 'outbound', seconds: 300 },
    asr: [{ provider: 'deepgram', model: 'nova-3', seconds: 295.5 }],
    llm: [{ provider: 'openai', model: 'gpt-4o', inputTokens: 10_000, cachedInputTokens: 4096, outputTokens: 1500 }],
    tts: [{ provider: 'deepgram', model: 'aura-2', characters: 2500 }],
    tools: [{ name: 'lookup_order', calls: 2 }],
  });

  it('call C started 23:58 IST on 30 June (runs past midnight): June prices and rate', () => {
    const r = computeRecord(callC(JULY - 120_000), book, intra20);
    expect(r.fxRateId).toBe('fx_june');
    // telephony 300,000 ms × $0.0100/60,000 = $0.05 × 84.25 = ₹4.2125 → 421 p; markup 84.2 → 84; taxable 505;
    //   9 % = 45.45 → 45 each; GST 90; total 595.
    // asr 295,500 ms × $0.0077/60,000 = $0.0379225 × 84.25 = ₹3.194970625 → 319 p; markup 63.8 → 64; taxable 383;
    //   9 % = 34.47 → 34 each; GST 68; total 451.
    // llm_input 10,000 × $2.50/1M = $0.025 × 84.25 = ₹2.10625 → 211 p; markup 42.2 → 42; taxable 253;
    //   9 % = 22.77 → 23 each; GST 46; total 299.
    // llm_cached_input 4,096 × $1.25/1M = $0.00512 × 84.25 = ₹0.43136 → 43 p; markup 8.6 → 9; taxable 52;
    //   9 % = 4.68 → 5 each; GST 10; total 62.
    // llm_output 1,500 × $10/1M = $0.015 × 84.25 = ₹1.26375 → 126 p; markup 25.2 → 25; taxable 151;
    //   9 % = 13.59 → 14 each; GST 28; total 179.
    // tts 2,500 × $0.030/1,000 = $0.075 × 84.25 = ₹6.31875 → 632 p; markup 126.4 → 126; taxable 758;
    //   9 % = 68.22 → 68 each; GST 136; total 894.
    // tool webhook/lookup_order 2 calls × 0 = 0.
    expect(pick(r.lines)).toEqual([
      ['telephony', 421, 84, 90, 595], ['asr', 319, 64, 68, 451], ['llm_input', 211, 42, 46, 299],
      ['llm_cached_input', 43, 9, 10, 62], ['llm_output', 126, 25, 28, 179], ['tts', 632, 126, 136, 894], ['tool', 0, 0, 0, 0],
    ]);
    expect(r.lines[1].unitPrice).toBe('0.0077');
    // cost 1,752, markup 350, taxable 2,102, GST 378, total 2,480 p = ₹24.80.
    expect(r.totals).toMatchObject({ costPaise: 1752, markupPaise: 350, taxablePaise: 2102, gstPaise: 378, totalPaise: 2480 });
  });

  it('call C started 00:01 IST on 1 July: the new nova-3 price and the new rate', () => {
    const r = computeRecord(callC(JULY + 60_000), book, intra20);
    expect(r.fxRateId).toBe('fx_july');
    // telephony $0.05 × 85.10 = ₹4.255 → 425.5 p → 426 (half-up); markup 85.2 → 85; taxable 511; 9 % = 45.99 → 46
    //   each; GST 92; total 603.
    // asr 295,500 ms × $0.0080/60,000 = $0.0394 × 85.10 = ₹3.35294 → 335 p; markup 67; taxable 402; 9 % = 36.18 → 36
    //   each; GST 72; total 474.
    // llm_input $0.025 × 85.10 = ₹2.1275 → 213 p; markup 42.6 → 43; taxable 256; 9 % = 23.04 → 23 each; GST 46; total 302.
    // llm_cached_input $0.00512 × 85.10 = ₹0.435712 → 44 p; markup 8.8 → 9; taxable 53; 9 % = 4.77 → 5 each; GST 10;
    //   total 63.
    // llm_output $0.015 × 85.10 = ₹1.2765 → 128 p; markup 25.6 → 26; taxable 154; 9 % = 13.86 → 14 each; GST 28; total 182.
    // tts $0.075 × 85.10 = ₹6.3825 → 638 p; markup 127.6 → 128; taxable 766; 9 % = 68.94 → 69 each; GST 138; total 904.
    expect(pick(r.lines)).toEqual([
      ['telephony', 426, 85, 92, 603], ['asr', 335, 67, 72, 474], ['llm_input', 213, 43, 46, 302],
      ['llm_cached_input', 44, 9, 10, 63], ['llm_output', 128, 26, 28, 182], ['tts', 638, 128, 138, 904], ['tool', 0, 0, 0, 0],
    ]);
    expect(r.lines[1].unitPrice).toBe('0.0080');
    // cost 1,784, markup 358, taxable 2,142, GST 386, total 2,528 p = ₹25.28.
    expect(r.totals).toMatchObject({ costPaise: 1784, markupPaise: 358, taxablePaise: 2142, gstPaise: 386, totalPaise: 2528 });
  });

  it('gives the same record, hash included, when computed again', () => {
    const usage = callC(JULY + 60_000);
    expect(computeRecord(usage, book, intra20)).toEqual(computeRecord(structuredClone(usage), new PriceBook([...entries].reverse(), [...rates].reverse()), intra20));
  });
});
