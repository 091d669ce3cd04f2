// The price book's vocabulary: what is priced (components), in what unit, and the entries and rates themselves.
export const COMPONENTS = ['telephony', 'asr', 'llm_input', 'llm_cached_input', 'llm_output', 'tts', 'tool'] as const;
export type Component = (typeof COMPONENTS)[number];

/** The unit a price is quoted per, as vendors quote it. */
export type PriceUnit = 'minute' | '1k_chars' | '1m_tokens' | 'call';
/** How usage is measured before pricing: whole milliseconds, characters, tokens, calls. */
export type QuantityUnit = 'ms' | 'chars' | 'tokens' | 'calls';

export const UNIT_OF: Record<Component, PriceUnit> = {
  telephony: 'minute', asr: 'minute', llm_input: '1m_tokens', llm_cached_input: '1m_tokens', llm_output: '1m_tokens', tts: '1k_chars', tool: 'call',
};
export const QUANTITY_UNIT_OF: Record<PriceUnit, QuantityUnit> = { minute: 'ms', '1k_chars': 'chars', '1m_tokens': 'tokens', call: 'calls' };
/** Measured units in one priced unit: a minute is 60,000 ms, "per 1M tokens" is 1,000,000 tokens. */
export const UNITS_PER_PRICE: Record<PriceUnit, bigint> = { minute: 60_000n, '1k_chars': 1000n, '1m_tokens': 1_000_000n, call: 1n };

export type Currency = 'USD' | 'INR';

/** Any provider / any model: the configured default for what the book does not name (flagged when used). */
export const ANY = '*';

export interface PriceEntry {
  id: string;
  /** null: the operator's book for every tenant; a tenant id: that tenant's override. */
  tenantId: string | null;
  component: Component;
  /** Deepgram, OpenAI, a carrier (twilio, plivo…), an offline engine; "*" for the default of unknown providers. */
  provider: string;
  /** nova-3, gpt-4o-mini, aura-2…; for telephony the direction (inbound | outbound); "*" for any model. */
  model: string;
  currency: Currency;
  /** Decimal string per `unit` (at most 9 decimal places), e.g. "0.0077". */
  price: string;
  unit: PriceUnit;
  effectiveFromMs: number;
  /** Exclusive; null while open-ended. */
  effectiveToMs: number | null;
  /** Where the price came from and when it was read, e.g. "deepgram.com/pricing, read 2025-06-01". */
  source: string;
}

export interface FxRate {
  id: string;
  /** Rupees per US dollar, decimal string with at most 6 places, e.g. "84.2500". */
  rate: string;
  effectiveFromMs: number;
  effectiveToMs: number | null;
  source: string;
}

/** A tenant's commercial terms: markup on cost, GST and where it is supplied (for CGST+SGST vs IGST). */
export interface BillingTerms {
  /** Percent, at most 4 decimal places, e.g. "20". */
  markupPercent: string;
  /** Percent, e.g. "18". */
  gstPercent: string;
  /** intra-state supply: CGST + SGST (half each); inter-state: IGST. */
  taxMode: 'intra' | 'inter';
}
