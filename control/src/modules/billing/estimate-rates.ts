// What the edge prices a running call with: for each (component, provider, model) the book names for a tenant now,
// the all-in rate (cost, markup and GST) per measured unit, in micro-paise. The edge estimates live; the billing
// record priced from the timeline when the call ends is what counts.
import type { PriceBook } from '../pricing/price-book.ts';
import type { PricingService } from '../pricing/service.ts';
import { ANY, type Component } from '../pricing/types.ts';
import { computeRecord } from './compute.ts';
import type { CallUsage } from './usage.ts';

/** `microPaisePerUnit` per millisecond (telephony, asr), character (tts) or token (llm_*). */
export interface EstimateRate { component: Component; provider: string; model: string; microPaisePerUnit: number }

/** Big enough that one rounding to the paisa is lost in it: an hour of audio, a million tokens or characters. */
const REFERENCE: Partial<Record<Component, number>> = {
  telephony: 3_600_000, asr: 3_600_000, llm_input: 1_000_000, llm_cached_input: 1_000_000, llm_output: 1_000_000, tts: 1_000_000,
};

function referenceUsage(tenantId: string, atMs: number, component: Component, provider: string, model: string, quantity: number): CallUsage {
  const usage: CallUsage = { callId: 'estimate', tenantId, agentId: 'estimate', startedAtMs: atMs, telephony: null, asr: [], llm: [], tts: [], tools: [] };
  if (component === 'telephony') usage.telephony = { carrier: provider, direction: model === 'outbound' ? 'outbound' : 'inbound', seconds: quantity / 1000 };
  else if (component === 'asr') usage.asr.push({ provider, model, seconds: quantity / 1000 });
  else if (component === 'tts') usage.tts.push({ provider, model, characters: quantity });
  else {
    const of = (c: Component) => (component === c ? quantity : 0);
    usage.llm.push({ provider, model, inputTokens: of('llm_input'), cachedInputTokens: of('llm_cached_input'), outputTokens: of('llm_output') });
  }
  return usage;
}

export async function estimateRates(pricing: PricingService, tenantId: string, atMs: number, book?: PriceBook): Promise<EstimateRate[]> {
  const [entries, terms] = await Promise.all([pricing.repo.entries(), pricing.billingTerms(tenantId)]);
  const priced = book ?? await pricing.book();
  const keys = new Map<string, { component: Component; provider: string; model: string }>();
  for (const e of entries) {
    if (!(e.component in REFERENCE) || (e.tenantId !== null && e.tenantId !== tenantId)) continue;
    if (e.effectiveFromMs > atMs || (e.effectiveToMs !== null && atMs >= e.effectiveToMs)) continue;
    keys.set(`${e.component}\u0000${e.provider}\u0000${e.model}`, { component: e.component, provider: e.provider, model: e.model });
  }
  const rates: EstimateRate[] = [];
  for (const { component, provider, model } of keys.values()) {
    const quantity = REFERENCE[component]!;
    // A "*" model is priced under a name the book cannot hold, so the provider's (or the default's) entry applies.
    const record = computeRecord(referenceUsage(tenantId, atMs, component, provider, model === ANY ? '\u0000any' : model, quantity), priced, terms);
    if (record.status !== 'priced') continue;
    rates.push({ component, provider, model, microPaisePerUnit: Math.ceil((record.totals.totalPaise * 1_000_000) / quantity) });
  }
  return rates.sort((a, b) => (a.component + a.provider + a.model < b.component + b.provider + b.model ? -1 : 1));
}
