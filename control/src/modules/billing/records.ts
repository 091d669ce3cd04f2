// Billing records: a call's usage as received, priced into versioned records. Pricing again with the same book
// and terms changes nothing (the record's hash is compared); a different result becomes version N+1 and the
// earlier versions stay as they were, so an invoice that counted version N still adds up.
import type { Db } from '../../db/database.ts';
import { isUniqueViolation } from '../../db/database.ts';
import { newId } from '../../ids.ts';
import type { PriceBook } from '../pricing/price-book.ts';
import type { PricingService } from '../pricing/service.ts';
import type { BillingTerms } from '../pricing/types.ts';
import { computeRecord, type BillingLine, type BillingTotals } from './compute.ts';
import type { BillingTables } from './tables.ts';
import type { CallUsage } from './usage.ts';

type Row = BillingTables['billing_records'];

export interface BillingRecord {
  id: string; callId: string; version: number; current: boolean; tenantId: string; agentId: string; startedAt: string;
  status: 'priced' | 'unpriced'; error: string | null; fxRate: string | null; terms: BillingTerms;
  lines: BillingLine[]; totals: BillingTotals; flags: string[]; invoiceId: string | null; createdAt: string;
}

export const recordOf = (r: Row): BillingRecord => ({
  id: r.id, callId: r.call_id, version: Number(r.version), current: Number(r.current) === 1, tenantId: r.tenant_id, agentId: r.agent_id,
  startedAt: new Date(Number(r.started_at)).toISOString(), status: r.status as BillingRecord['status'], error: r.error, fxRate: r.fx_rate,
  terms: JSON.parse(r.terms_json), lines: JSON.parse(r.lines_json), flags: JSON.parse(r.flags_json), invoiceId: r.invoice_id,
  totals: {
    usdMicros: Number(r.usd_micros), costPaise: Number(r.cost_paise), markupPaise: Number(r.markup_paise), taxablePaise: Number(r.taxable_paise),
    cgstPaise: Number(r.cgst_paise), sgstPaise: Number(r.sgst_paise), igstPaise: Number(r.igst_paise), gstPaise: Number(r.gst_paise), totalPaise: Number(r.total_paise),
  },
  createdAt: new Date(Number(r.created_at)).toISOString(),
});

/** Prices many calls with one read of the book and of each tenant's terms. */
export class PricingSnapshot {
  readonly #terms = new Map<string, Promise<BillingTerms>>();
  constructor(readonly book: PriceBook, private readonly pricing: PricingService) {}
  terms(tenantId: string): Promise<BillingTerms> {
    let terms = this.#terms.get(tenantId);
    if (!terms) this.#terms.set(tenantId, terms = this.pricing.billingTerms(tenantId));
    return terms;
  }
}

export class BillingRecords {
  constructor(private readonly db: Db, private readonly pricing: PricingService, private readonly now: () => number = Date.now) {}

  async snapshot(): Promise<PricingSnapshot> {
    return new PricingSnapshot(await this.pricing.book(), this.pricing);
  }

  /** Stores a call's usage (the latest report wins) and prices it. */
  async recordCall(usage: CallUsage, snapshot?: PricingSnapshot): Promise<BillingRecord> {
    const values = { tenant_id: usage.tenantId, agent_id: usage.agentId, started_at: usage.startedAtMs, usage_json: JSON.stringify(usage), received_at: this.now() };
    await this.db.insertInto('call_usage').values({ call_id: usage.callId, ...values })
      .onConflict((oc) => oc.column('call_id').doUpdateSet({ ...values })).execute();
    return this.priceCall(usage, snapshot ?? await this.snapshot());
  }

  /** Prices a call's stored usage again (after a price-book change): a new version only when the result differs. */
  async reprice(callId: string, snapshot: PricingSnapshot): Promise<{ record: BillingRecord; changed: boolean } | null> {
    const row = await this.db.selectFrom('call_usage').select('usage_json').where('call_id', '=', callId).executeTakeFirst();
    if (!row) return null;
    const before = await this.current(callId);
    const record = await this.priceCall(JSON.parse(row.usage_json) as CallUsage, snapshot);
    return { record, changed: record.version !== before?.version };
  }

  /** Reprices every call that started in [fromMs, toMs) (one tenant, or all). */
  async repriceRange(fromMs: number, toMs: number, tenantId?: string): Promise<{ calls: number; newVersions: number }> {
    let query = this.db.selectFrom('call_usage').select('call_id').where('started_at', '>=', fromMs).where('started_at', '<', toMs);
    if (tenantId) query = query.where('tenant_id', '=', tenantId);
    const rows = await query.orderBy('started_at').orderBy('call_id').execute();
    const snapshot = await this.snapshot();
    let newVersions = 0;
    for (const { call_id } of rows) if ((await this.reprice(call_id, snapshot))?.changed) newVersions += 1;
    return { calls: rows.length, newVersions };
  }

  async priceCall(usage: CallUsage, snapshot: PricingSnapshot, attempt = 0): Promise<BillingRecord> {
    const computed = computeRecord(usage, snapshot.book, await snapshot.terms(usage.tenantId));
    const current = await this.db.selectFrom('billing_records').selectAll().where('call_id', '=', usage.callId).where('current', '=', 1).executeTakeFirst();
    if (current && current.hash === computed.hash) return recordOf(current);
    const row: Row = {
      id: newId('bil'), call_id: usage.callId, version: current ? Number(current.version) + 1 : 1, current: 1, tenant_id: usage.tenantId,
      agent_id: usage.agentId, started_at: usage.startedAtMs, status: computed.status, error: computed.error, hash: computed.hash,
      fx_rate: computed.fxRate, lines_json: JSON.stringify(computed.lines), flags_json: JSON.stringify(computed.flags), terms_json: JSON.stringify(computed.terms),
      usd_micros: computed.totals.usdMicros, cost_paise: computed.totals.costPaise, markup_paise: computed.totals.markupPaise,
      taxable_paise: computed.totals.taxablePaise, cgst_paise: computed.totals.cgstPaise, sgst_paise: computed.totals.sgstPaise,
      igst_paise: computed.totals.igstPaise, gst_paise: computed.totals.gstPaise, total_paise: computed.totals.totalPaise,
      invoice_id: null, created_at: this.now(),
    };
    try {
      await this.db.transaction().execute(async (trx) => {
        if (current) await trx.updateTable('billing_records').set({ current: 0 }).where('id', '=', current.id).execute();
        await trx.insertInto('billing_records').values(row).execute();
      });
    } catch (error) {
      // Two replicas priced the same call at once: the other's version stands; compare against it.
      if (isUniqueViolation(error) && attempt < 3) return this.priceCall(usage, snapshot, attempt + 1);
      throw error;
    }
    return recordOf(row);
  }

  async current(callId: string, tenantId?: string): Promise<BillingRecord | null> {
    let query = this.db.selectFrom('billing_records').selectAll().where('call_id', '=', callId).where('current', '=', 1);
    if (tenantId) query = query.where('tenant_id', '=', tenantId);
    const row = await query.executeTakeFirst();
    return row ? recordOf(row) : null;
  }

  async versions(callId: string, tenantId: string): Promise<BillingRecord[]> {
    const rows = await this.db.selectFrom('billing_records').selectAll().where('call_id', '=', callId).where('tenant_id', '=', tenantId).orderBy('version').execute();
    return rows.map(recordOf);
  }

  /** Current records of a tenant started in [fromMs, toMs), oldest first, after `cursor` (started_at:callId). */
  async list(tenantId: string, fromMs: number, toMs: number, options: { limit?: number; after?: { startedAt: number; callId: string } } = {}): Promise<BillingRecord[]> {
    let query = this.db.selectFrom('billing_records').selectAll().where('tenant_id', '=', tenantId).where('current', '=', 1)
      .where('started_at', '>=', fromMs).where('started_at', '<', toMs);
    const after = options.after;
    if (after) query = query.where((eb) => eb.or([eb('started_at', '>', after.startedAt), eb.and([eb('started_at', '=', after.startedAt), eb('call_id', '>', after.callId)])]));
    query = query.orderBy('started_at').orderBy('call_id');
    if (options.limit) query = query.limit(options.limit);
    return (await query.execute()).map(recordOf);
  }
}
