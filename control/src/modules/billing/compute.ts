// A call's billing record, computed: one line per (component, provider, model), each priced exactly and rounded
// once, half-up to the paisa; then markup and GST per line, each rounded half-up to the paisa; totals are sums
// of the lines. Pure: the same usage, book and terms give the same record, byte for byte.
import { createHash } from 'node:crypto';
import { divideHalfUp, formatDecimal, parseDecimal, percentOf, PERCENT_SCALE, PRICE_SCALE, RATE_SCALE } from '../pricing/money.ts';
import type { PriceBook } from '../pricing/price-book.ts';
import { istDate } from '../pricing/time.ts';
import { COMPONENTS, QUANTITY_UNIT_OF, UNIT_OF, UNITS_PER_PRICE, type BillingTerms, type Component, type Currency, type PriceUnit, type QuantityUnit } from '../pricing/types.ts';
import type { CallUsage } from './usage.ts';

export interface BillingLine {
  component: Component;
  provider: string;
  model: string;
  /** Measured usage in `quantityUnit` (milliseconds, characters, tokens, calls). */
  quantity: number;
  quantityUnit: QuantityUnit;
  /** The price per `priceUnit` in `currency`, as the book holds it. */
  unitPrice: string;
  priceUnit: PriceUnit;
  currency: Currency;
  priceEntryId: string;
  /** Vendor cost in USD to 6 places (shown, not used: rupees are computed from the exact price); null for INR prices. */
  usd: string | null;
  costPaise: number;
  markupPaise: number;
  /** cost + markup: the taxable value. */
  taxablePaise: number;
  cgstPaise: number;
  sgstPaise: number;
  igstPaise: number;
  gstPaise: number;
  totalPaise: number;
  /** Priced by the default for unknown providers/models. */
  unknownModel: boolean;
}

export interface BillingTotals {
  usdMicros: number;
  costPaise: number; markupPaise: number; taxablePaise: number;
  cgstPaise: number; sgstPaise: number; igstPaise: number; gstPaise: number; totalPaise: number;
}

export interface ComputedRecord {
  status: 'priced' | 'unpriced';
  /** Why a record is unpriced (a missing exchange rate or price, naming the date); null when priced. */
  error: string | null;
  fxRate: string | null;
  fxRateId: string | null;
  terms: BillingTerms;
  lines: BillingLine[];
  totals: BillingTotals;
  /** Lines priced by a default, named ("llm_input openai/gpt-5-preview"). */
  flags: string[];
  /** SHA-256 of everything above: equal hashes mean an equal record. */
  hash: string;
}

interface Measured { component: Component; provider: string; model: string; quantity: bigint }

/** Usage as measured lines, merged per (component, provider, model) so each is rounded once. */
export function measure(usage: CallUsage): Measured[] {
  const lines = new Map<string, Measured>();
  const add = (component: Component, provider: string, model: string, quantity: number) => {
    if (!(quantity > 0)) return;
    const key = `${component}\u0000${provider}\u0000${model}`;
    const line = lines.get(key) ?? { component, provider, model, quantity: 0n };
    line.quantity += BigInt(Math.round(quantity));
    lines.set(key, line);
  };
  // Seconds are measured in whole milliseconds (half-up), as the timeline's doubles carry them.
  if (usage.telephony) add('telephony', usage.telephony.carrier, usage.telephony.direction, usage.telephony.seconds * 1000);
  for (const a of usage.asr) add('asr', a.provider, a.model, a.seconds * 1000);
  for (const l of usage.llm) {
    add('llm_input', l.provider, l.model, l.inputTokens);
    add('llm_cached_input', l.provider, l.model, l.cachedInputTokens);
    add('llm_output', l.provider, l.model, l.outputTokens);
  }
  for (const t of usage.tts) add('tts', t.provider, t.model, t.characters);
  for (const tool of usage.tools) add('tool', 'webhook', tool.name, tool.calls);
  const order = (c: Component) => COMPONENTS.indexOf(c);
  return [...lines.values()].filter((l) => l.quantity > 0n)
    .sort((a, b) => order(a.component) - order(b.component) || cmp(a.provider, b.provider) || cmp(a.model, b.model));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const ZERO_TOTALS: BillingTotals = { usdMicros: 0, costPaise: 0, markupPaise: 0, taxablePaise: 0, cgstPaise: 0, sgstPaise: 0, igstPaise: 0, gstPaise: 0, totalPaise: 0 };

export function computeRecord(usage: CallUsage, book: PriceBook, terms: BillingTerms): ComputedRecord {
  const markup = parseDecimal(terms.markupPercent, PERCENT_SCALE, 'markup percent');
  const gst = parseDecimal(terms.gstPercent, PERCENT_SCALE, 'GST percent');
  const day = istDate(usage.startedAtMs);
  const measured = measure(usage);
  const resolved = measured.map((m) => ({ m, price: book.resolve(usage.tenantId, m.component, m.provider, m.model, usage.startedAtMs) }));
  const missing = resolved.find((r) => !r.price);
  const needsFx = resolved.some((r) => r.price?.entry.currency === 'USD');
  const fx = needsFx ? book.fxAt(usage.startedAtMs) : null;
  const base = { terms, fxRate: fx?.rate ?? null, fxRateId: fx?.id ?? null };
  if (missing) {
    return finish({ ...base, status: 'unpriced', error: `no price for ${missing.m.component} ${missing.m.provider}/${missing.m.model} on ${day} (the call's date, IST), and no default for unknown models`, lines: [], totals: ZERO_TOTALS, flags: [] });
  }
  if (needsFx && !fx) {
    return finish({ ...base, status: 'unpriced', error: `no USD→INR exchange rate in force on ${day} (the call's date, IST): add one with effectiveFrom on or before ${day}`, lines: [], totals: ZERO_TOTALS, flags: [] });
  }
  const rate = fx ? parseDecimal(fx.rate, RATE_SCALE, 'exchange rate') : 0n;
  const lines = resolved.map(({ m, price }): BillingLine => {
    const { entry, unknownModel } = price!;
    const unit = UNIT_OF[m.component];
    const perUnit = UNITS_PER_PRICE[unit];
    const priceNano = parseDecimal(entry.price, PRICE_SCALE, 'price');
    // cost in paise = quantity × price / units-per-price × (rate for USD) × 100, as one fraction, rounded once.
    const costPaise = entry.currency === 'USD'
      ? divideHalfUp(m.quantity * priceNano * rate * 100n, perUnit * PRICE_SCALE * RATE_SCALE)
      : divideHalfUp(m.quantity * priceNano * 100n, perUnit * PRICE_SCALE);
    const usdMicros = entry.currency === 'USD' ? divideHalfUp(m.quantity * priceNano * 1_000_000n, perUnit * PRICE_SCALE) : null;
    const markupPaise = percentOf(costPaise, markup);
    const taxable = costPaise + markupPaise;
    const half = terms.taxMode === 'intra' ? divideHalfUp(taxable * gst, 200n * PERCENT_SCALE) : 0n;
    const igst = terms.taxMode === 'inter' ? percentOf(taxable, gst) : 0n;
    const gstPaise = half * 2n + igst;
    return {
      component: m.component, provider: m.provider, model: m.model, quantity: Number(m.quantity), quantityUnit: QUANTITY_UNIT_OF[unit],
      unitPrice: entry.price, priceUnit: unit, currency: entry.currency, priceEntryId: entry.id,
      usd: usdMicros === null ? null : formatDecimal(usdMicros, 1_000_000n, 6),
      costPaise: Number(costPaise), markupPaise: Number(markupPaise), taxablePaise: Number(taxable),
      cgstPaise: Number(half), sgstPaise: Number(half), igstPaise: Number(igst), gstPaise: Number(gstPaise), totalPaise: Number(taxable + gstPaise),
      unknownModel,
    };
  });
  const totals = { ...ZERO_TOTALS };
  for (const line of lines) {
    totals.usdMicros += line.usd === null ? 0 : Number(parseDecimal(line.usd, 1_000_000n, 'usd'));
    for (const key of ['costPaise', 'markupPaise', 'taxablePaise', 'cgstPaise', 'sgstPaise', 'igstPaise', 'gstPaise', 'totalPaise'] as const) totals[key] += line[key];
  }
  const flags = lines.filter((l) => l.unknownModel).map((l) => `${l.component} ${l.provider}/${l.model}: priced by the default for unknown models`);
  return finish({ ...base, status: 'priced', error: null, lines, totals, flags });
}

function finish(record: Omit<ComputedRecord, 'hash'>): ComputedRecord {
  return { ...record, hash: createHash('sha256').update(JSON.stringify(record)).digest('hex') };
}
