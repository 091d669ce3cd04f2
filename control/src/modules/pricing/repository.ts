// The price book, exchange rates, terms and profiles in the database.
import type { Db } from '../../db/database.ts';
import type { PricingTables } from './tables.ts';
import type { Component, Currency, FxRate, PriceEntry, PriceUnit } from './types.ts';

type EntryRow = PricingTables['price_entries'];
type RateRow = PricingTables['fx_rates'];

export const entryOf = (r: EntryRow): PriceEntry => ({
  id: r.id, tenantId: r.tenant_id, component: r.component as Component, provider: r.provider, model: r.model, currency: r.currency as Currency,
  price: r.price, unit: r.unit as PriceUnit, effectiveFromMs: Number(r.effective_from), effectiveToMs: r.effective_to === null ? null : Number(r.effective_to), source: r.source,
});
export const rateOf = (r: RateRow): FxRate => ({
  id: r.id, rate: r.rate, effectiveFromMs: Number(r.effective_from), effectiveToMs: r.effective_to === null ? null : Number(r.effective_to), source: r.source,
});

export interface Terms { tenantId: string; markupPercent: string; gstPercent: string | null; monthlyBudgetPaise: number | null; callCapPaise: number | null }
export interface Profile { legalName: string; gstin: string; address: string; stateCode: string; gstPercent: string | null }

export class PricingRepository {
  constructor(readonly db: Db) {}

  async entries(db: Db = this.db): Promise<PriceEntry[]> {
    const rows = await db.selectFrom('price_entries').selectAll().orderBy('component').orderBy('provider').orderBy('model').orderBy('effective_from').orderBy('id').execute();
    return rows.map(entryOf);
  }

  async entriesOfKey(db: Db, key: { tenantId: string | null; component: string; provider: string; model: string }): Promise<PriceEntry[]> {
    let query = db.selectFrom('price_entries').selectAll().where('component', '=', key.component).where('provider', '=', key.provider).where('model', '=', key.model);
    query = key.tenantId === null ? query.where('tenant_id', 'is', null) : query.where('tenant_id', '=', key.tenantId);
    return (await query.orderBy('effective_from').execute()).map(entryOf);
  }

  async insertEntry(db: Db, e: PriceEntry, atMs: number): Promise<void> {
    await db.insertInto('price_entries').values({
      id: e.id, tenant_id: e.tenantId, component: e.component, provider: e.provider, model: e.model, currency: e.currency, price: e.price,
      unit: e.unit, effective_from: e.effectiveFromMs, effective_to: e.effectiveToMs, source: e.source, created_at: atMs,
    }).onConflict((oc) => oc.column('id').doNothing()).execute();
  }

  async closeEntry(db: Db, id: string, atMs: number): Promise<void> {
    await db.updateTable('price_entries').set({ effective_to: atMs }).where('id', '=', id).where('effective_to', 'is', null).execute();
  }

  async rates(db: Db = this.db): Promise<FxRate[]> {
    return (await db.selectFrom('fx_rates').selectAll().orderBy('effective_from').orderBy('id').execute()).map(rateOf);
  }

  async insertRate(db: Db, r: FxRate, atMs: number): Promise<void> {
    await db.insertInto('fx_rates').values({ id: r.id, rate: r.rate, effective_from: r.effectiveFromMs, effective_to: r.effectiveToMs, source: r.source, created_at: atMs })
      .onConflict((oc) => oc.column('id').doNothing()).execute();
  }

  async closeRate(db: Db, id: string, atMs: number): Promise<void> {
    await db.updateTable('fx_rates').set({ effective_to: atMs }).where('id', '=', id).where('effective_to', 'is', null).execute();
  }

  async terms(tenantId: string): Promise<Terms | null> {
    const r = await this.db.selectFrom('tenant_terms').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
    return r ? {
      tenantId, markupPercent: r.markup_percent, gstPercent: r.gst_percent,
      monthlyBudgetPaise: r.monthly_budget_paise === null ? null : Number(r.monthly_budget_paise), callCapPaise: r.call_cap_paise === null ? null : Number(r.call_cap_paise),
    } : null;
  }

  async allTerms(): Promise<Terms[]> {
    const rows = await this.db.selectFrom('tenant_terms').select('tenant_id').execute();
    return (await Promise.all(rows.map((r) => this.terms(r.tenant_id)))).filter((t): t is Terms => t !== null);
  }

  async putTerms(t: Terms, atMs: number): Promise<void> {
    const values = { markup_percent: t.markupPercent, gst_percent: t.gstPercent, monthly_budget_paise: t.monthlyBudgetPaise, call_cap_paise: t.callCapPaise, updated_at: atMs };
    await this.db.insertInto('tenant_terms').values({ tenant_id: t.tenantId, ...values }).onConflict((oc) => oc.column('tenant_id').doUpdateSet(values)).execute();
  }

  async profile(party: string): Promise<Profile | null> {
    const r = await this.db.selectFrom('billing_profiles').selectAll().where('party', '=', party).executeTakeFirst();
    return r ? { legalName: r.legal_name, gstin: r.gstin, address: r.address, stateCode: r.state_code, gstPercent: r.gst_percent } : null;
  }

  async putProfile(party: string, p: Profile, atMs: number): Promise<void> {
    const values = { legal_name: p.legalName, gstin: p.gstin, address: p.address, state_code: p.stateCode, gst_percent: p.gstPercent, updated_at: atMs };
    await this.db.insertInto('billing_profiles').values({ party, ...values }).onConflict((oc) => oc.column('party').doUpdateSet(values)).execute();
  }
}
