// Monthly invoices: issued once per tenant and IST month after the month is over, numbered in sequence per tenant
// within the Indian financial year (INV/2026-27/0001…). Issuing again returns the stored invoice: same number,
// same amounts, same bytes. The record versions it counted are marked with its id and never rewritten.
import type { Db } from '../../db/database.ts';
import { isUniqueViolation } from '../../db/database.ts';
import { newId } from '../../ids.ts';
import { ApiError, conflict, notFound } from '../../plugins/errors.ts';
import { OPERATOR, type PricingService } from '../pricing/service.ts';
import { financialYear, istDate, monthRange } from '../pricing/time.ts';
import { buildInvoice, type InvoiceDocument } from './invoice-document.ts';
import type { BillingRecords } from './records.ts';

export interface InvoiceSummary { id: string; number: string; period: string; financialYear: string; issuedAt: string; totalPaise: number }

export class Invoices {
  constructor(private readonly db: Db, private readonly records: BillingRecords, private readonly pricing: PricingService, private readonly now: () => number = Date.now) {}

  async issue(tenantId: string, period: string, attempt = 0): Promise<{ invoice: InvoiceDocument; created: boolean }> {
    const existing = await this.byPeriod(tenantId, period);
    if (existing) return { invoice: existing, created: false };
    let range: [number, number];
    try {
      range = monthRange(period);
    } catch (error) {
      throw new ApiError(400, 'validation', (error as Error).message, '$.period');
    }
    const nowMs = this.now();
    if (range[1] > nowMs) throw conflict(`${period} is not over yet (it ends ${istDate(range[1])} 00:00 IST): invoices are issued for closed months`);
    const records = await this.records.list(tenantId, range[0], range[1]);
    const unpriced = records.filter((r) => r.status !== 'priced');
    if (unpriced.length) {
      throw new ApiError(409, 'unpriced_calls', `${unpriced.length} call(s) in ${period} are unpriced (first: ${unpriced[0].callId}: ${unpriced[0].error}); fix the price book, reprice (POST /v1/billing/reprice), then issue`);
    }
    if (!records.length) throw conflict(`no billable calls in ${period}`);
    const fy = financialYear(period);
    const [supplier, recipient] = await Promise.all([this.pricing.repo.profile(OPERATOR), this.pricing.repo.profile(tenantId)]);
    try {
      return await this.db.transaction().execute(async (trx) => {
        const last = await trx.selectFrom('invoices').select((eb) => eb.fn.max('seq').as('seq')).where('tenant_id', '=', tenantId).where('financial_year', '=', fy).executeTakeFirst();
        const seq = Number(last?.seq ?? 0) + 1;
        const id = newId('inv');
        const document = buildInvoice({ id, number: `INV/${fy}/${String(seq).padStart(4, '0')}`, tenantId, period, financialYear: fy, issuedAtMs: nowMs }, records, supplier, recipient);
        await trx.insertInto('invoices').values({
          id, tenant_id: tenantId, period, financial_year: fy, seq, number: document.number, issued_at: nowMs, total_paise: document.totalPaise, document_json: JSON.stringify(document),
        }).execute();
        const ids = records.map((r) => r.id);
        for (let i = 0; i < ids.length; i += 500) await trx.updateTable('billing_records').set({ invoice_id: id }).where('id', 'in', ids.slice(i, i + 500)).execute();
        return { invoice: document, created: true };
      });
    } catch (error) {
      // Issued at the same moment elsewhere (same period, or the same number): the stored one stands.
      if (isUniqueViolation(error) && attempt < 3) return this.issue(tenantId, period, attempt + 1);
      throw error;
    }
  }

  async byPeriod(tenantId: string, period: string): Promise<InvoiceDocument | null> {
    const row = await this.db.selectFrom('invoices').select('document_json').where('tenant_id', '=', tenantId).where('period', '=', period).executeTakeFirst();
    return row ? JSON.parse(row.document_json) as InvoiceDocument : null;
  }

  async get(tenantId: string, id: string): Promise<InvoiceDocument> {
    const row = await this.db.selectFrom('invoices').select('document_json').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('invoice');
    return JSON.parse(row.document_json) as InvoiceDocument;
  }

  async list(tenantId: string): Promise<InvoiceSummary[]> {
    const rows = await this.db.selectFrom('invoices').select(['id', 'number', 'period', 'financial_year', 'issued_at', 'total_paise'])
      .where('tenant_id', '=', tenantId).orderBy('issued_at').orderBy('seq').execute();
    return rows.map((r) => ({ id: r.id, number: r.number, period: r.period, financialYear: r.financial_year, issuedAt: new Date(Number(r.issued_at)).toISOString(), totalPaise: Number(r.total_paise) }));
  }
}
