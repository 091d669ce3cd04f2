// The operator's price book: validated, effective-dated writes (a new price supersedes the open one, never
// rewrites it), the installation's defaults, and the book and terms a call is priced with.
import { sql } from 'kysely';
import type { Db, Dialect } from '../../db/database.ts';
import { newId } from '../../ids.ts';
import { ApiError } from '../../plugins/errors.ts';
import { DEFAULT_FX, DEFAULT_GST_PERCENT, DEFAULT_PRICES } from './defaults.ts';
import { MoneyError, parseDecimal, PERCENT_SCALE, PRICE_SCALE, RATE_SCALE } from './money.ts';
import { OverlapError, planInsert, PriceBook } from './price-book.ts';
import { PricingRepository, type Profile, type Terms } from './repository.ts';
import { parseEffective } from './time.ts';
import { COMPONENTS, UNIT_OF, type BillingTerms, type Component, type Currency, type FxRate, type PriceEntry } from './types.ts';

/** The operator's own billing profile is stored under this party; tenants under their id. */
export const OPERATOR = 'operator';

export interface NewPrice {
  tenantId?: string | null; component: string; provider: string; model: string; price: unknown; currency?: string;
  effectiveFrom: string; effectiveTo?: string | null; source?: string;
}
export interface NewRate { rate: unknown; effectiveFrom: string; effectiveTo?: string | null; source?: string }

const bad = (message: string, path: string) => new ApiError(400, 'validation', message, path);

function checked<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof MoneyError || error instanceof RangeError) throw bad(error.message, path);
    throw error;
  }
}

const GSTIN = /^\d{2}[A-Z]{5}\d{4}[A-Z][1-9A-Z]Z[0-9A-Z]$/;

export class PricingService {
  readonly repo: PricingRepository;

  constructor(private readonly db: Db, private readonly now: () => number = Date.now, private readonly dialect: Dialect = 'sqlite') {
    this.repo = new PricingRepository(db);
  }

  /**
   * Effective-dated writes check overlaps, then insert: on PostgreSQL two writers are serialized by a transaction
   * lock so both cannot pass the check (SQLite runs one write transaction at a time anyway).
   */
  async #serialized(trx: Db, table: string): Promise<void> {
    if (this.dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${`invorto:${table}`}))`.execute(trx);
  }

  /** The defaults (docs/costing.md) on a new installation; fixed ids, so replicas starting together agree. */
  async ensureDefaults(): Promise<void> {
    const atMs = this.now();
    if (!(await this.db.selectFrom('price_entries').select('id').limit(1).executeTakeFirst())) {
      for (const p of DEFAULT_PRICES) {
        await this.repo.insertEntry(this.db, {
          id: `pr_default_${p.component}_${p.provider}_${p.model}`.replace(/\*/g, 'any'), tenantId: null, component: p.component, provider: p.provider,
          model: p.model, currency: p.currency ?? 'USD', price: p.price, unit: p.unit, effectiveFromMs: 0, effectiveToMs: null, source: p.source,
        }, atMs);
      }
    }
    if (!(await this.db.selectFrom('fx_rates').select('id').limit(1).executeTakeFirst())) {
      await this.repo.insertRate(this.db, { id: 'fx_default', rate: DEFAULT_FX.rate, effectiveFromMs: parseEffective(DEFAULT_FX.effectiveFrom, 'effectiveFrom'), effectiveToMs: null, source: DEFAULT_FX.source }, atMs);
    }
  }

  /** Adds a price; an open-ended one starting later than the open price of its key closes that one. */
  async addPrice(input: NewPrice): Promise<{ entry: PriceEntry; superseded: string | null }> {
    if (!(COMPONENTS as readonly string[]).includes(input.component)) throw bad(`component must be one of ${COMPONENTS.join(', ')}`, '$.component');
    const component = input.component as Component;
    const currency = (input.currency ?? 'USD') as Currency;
    if (currency !== 'USD' && currency !== 'INR') throw bad('currency must be USD or INR', '$.currency');
    checked('$.price', () => parseDecimal(input.price, PRICE_SCALE, 'price', 1_000_000n));
    const entry: PriceEntry = {
      id: newId('pr'), tenantId: input.tenantId ?? null, component, provider: input.provider, model: input.model, currency,
      price: String(input.price).trim(), unit: UNIT_OF[component],
      effectiveFromMs: checked('$.effectiveFrom', () => parseEffective(input.effectiveFrom, 'effectiveFrom')),
      effectiveToMs: input.effectiveTo ? checked('$.effectiveTo', () => parseEffective(input.effectiveTo!, 'effectiveTo')) : null,
      source: input.source ?? 'set by the operator',
    };
    return this.db.transaction().execute(async (trx) => {
      await this.#serialized(trx, 'price_entries');
      const existing = await this.repo.entriesOfKey(trx, entry);
      const what = `price for ${component} ${entry.provider}/${entry.model}${entry.tenantId ? ` (tenant ${entry.tenantId})` : ''}`;
      const plan = this.#plan(existing, entry, what, '$.effectiveFrom');
      if (plan.close) await this.repo.closeEntry(trx, plan.close.id, entry.effectiveFromMs);
      await this.repo.insertEntry(trx, entry, this.now());
      return { entry, superseded: plan.close?.id ?? null };
    });
  }

  async addRate(input: NewRate): Promise<{ rate: FxRate; superseded: string | null }> {
    const scaled = checked('$.rate', () => parseDecimal(input.rate, RATE_SCALE, 'exchange rate', 100_000n));
    if (scaled === 0n) throw bad('exchange rate must be above 0', '$.rate');
    const rate: FxRate = {
      id: newId('fx'), rate: String(input.rate).trim(),
      effectiveFromMs: checked('$.effectiveFrom', () => parseEffective(input.effectiveFrom, 'effectiveFrom')),
      effectiveToMs: input.effectiveTo ? checked('$.effectiveTo', () => parseEffective(input.effectiveTo!, 'effectiveTo')) : null,
      source: input.source ?? 'set by the operator',
    };
    return this.db.transaction().execute(async (trx) => {
      await this.#serialized(trx, 'fx_rates');
      const plan = this.#plan(await this.repo.rates(trx), rate, 'USD→INR rate', '$.effectiveFrom');
      if (plan.close) await this.repo.closeRate(trx, plan.close.id, rate.effectiveFromMs);
      await this.repo.insertRate(trx, rate, this.now());
      return { rate, superseded: plan.close?.id ?? null };
    });
  }

  #plan<T extends { id: string; effectiveFromMs: number; effectiveToMs: number | null }>(existing: T[], candidate: T, what: string, path: string) {
    try {
      return planInsert(existing, candidate, what);
    } catch (error) {
      if (error instanceof OverlapError) throw new ApiError(409, 'overlap', error.message, path);
      if (error instanceof RangeError) throw bad(error.message, '$.effectiveTo');
      throw error;
    }
  }

  /** Everything needed to price calls: load once per batch. */
  async book(): Promise<PriceBook> {
    return new PriceBook(await this.repo.entries(), await this.repo.rates());
  }

  async setTerms(tenantId: string, input: { markupPercent?: string; gstPercent?: string | null; monthlyBudgetPaise?: number | null; callCapPaise?: number | null }): Promise<Terms> {
    const current = await this.repo.terms(tenantId) ?? { tenantId, markupPercent: '0', gstPercent: null, monthlyBudgetPaise: null, callCapPaise: null };
    const next: Terms = {
      tenantId,
      markupPercent: input.markupPercent ?? current.markupPercent,
      gstPercent: input.gstPercent === undefined ? current.gstPercent : input.gstPercent,
      monthlyBudgetPaise: input.monthlyBudgetPaise === undefined ? current.monthlyBudgetPaise : input.monthlyBudgetPaise,
      callCapPaise: input.callCapPaise === undefined ? current.callCapPaise : input.callCapPaise,
    };
    checked('$.markupPercent', () => parseDecimal(next.markupPercent, PERCENT_SCALE, 'markupPercent', 1000n));
    if (next.gstPercent !== null) checked('$.gstPercent', () => parseDecimal(next.gstPercent, PERCENT_SCALE, 'gstPercent', 100n));
    await this.repo.putTerms(next, this.now());
    return next;
  }

  async termsOf(tenantId: string): Promise<Terms> {
    return await this.repo.terms(tenantId) ?? { tenantId, markupPercent: '0', gstPercent: null, monthlyBudgetPaise: null, callCapPaise: null };
  }

  async setProfile(party: string, input: Profile): Promise<Profile> {
    const gstin = input.gstin.trim().toUpperCase();
    if (gstin && !GSTIN.test(gstin)) throw bad('gstin must be a 15-character GSTIN such as 29ABCDE1234F1Z5 (or empty when unregistered)', '$.gstin');
    const stateCode = input.stateCode || gstin.slice(0, 2);
    if (!/^\d{2}$/.test(stateCode)) throw bad('stateCode must be the two-digit GST state code (e.g. 29 for Karnataka)', '$.stateCode');
    if (gstin && gstin.slice(0, 2) !== stateCode) throw bad(`stateCode ${stateCode} differs from the GSTIN's (${gstin.slice(0, 2)})`, '$.stateCode');
    if (input.gstPercent) checked('$.gstPercent', () => parseDecimal(input.gstPercent, PERCENT_SCALE, 'gstPercent', 100n));
    const profile = { ...input, gstin, stateCode, gstPercent: input.gstPercent ?? null };
    await this.repo.putProfile(party, profile, this.now());
    return profile;
  }

  /**
   * A tenant's terms as pricing uses them. GST: the tenant's override, else the operator's, else 18 %. Place of
   * supply: the tenant's state; the same state as the operator's (or either unknown) is intra-state (CGST+SGST).
   */
  async billingTerms(tenantId: string): Promise<BillingTerms> {
    const [terms, operator, tenant] = await Promise.all([this.termsOf(tenantId), this.repo.profile(OPERATOR), this.repo.profile(tenantId)]);
    const inter = Boolean(operator?.stateCode && tenant?.stateCode && operator.stateCode !== tenant.stateCode);
    return { markupPercent: terms.markupPercent, gstPercent: terms.gstPercent ?? operator?.gstPercent ?? DEFAULT_GST_PERCENT, taxMode: inter ? 'inter' : 'intra' };
  }
}
