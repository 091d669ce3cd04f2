// A month of 1,000 generated calls invoiced: totals equal the sum of the records, the same invoice on a re-run
// (same number, same bytes in JSON, CSV and PDF), numbers in sequence per tenant within the financial year, and a
// PDF that poppler opens and reads back with the totals.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BillingRecords } from '../src/modules/billing/records.ts';
import type { CallUsage } from '../src/modules/billing/usage.ts';
import { rupeesGrouped } from '../src/modules/pricing/money.ts';
import { PricingService } from '../src/modules/pricing/service.ts';
import { istMidnight } from '../src/modules/pricing/time.ts';
import { dialects, startTestControl, type TestControl } from './helpers/test-control.ts';

/** A small seeded generator (mulberry32), so every run makes the same calls. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const CARRIERS = ['twilio', 'plivo', 'exotel', 'telnyx', 'sip'];
const ASR = ['nova-3', 'nova-3-multilingual', 'nova-2'];
const LLM = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini', 'gpt-4.1'];

export function generateCalls(tenantId: string, month: string, count: number, seed = 17): CallUsage[] {
  const next = random(seed);
  const start = istMidnight(`${month}-01`);
  const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)];
  return Array.from({ length: count }, (_, i) => {
    const seconds = Math.round((20 + next() * 600) * 1000) / 1000;
    return {
      callId: `gen_${month}_${String(i).padStart(4, '0')}`, tenantId, agentId: `agt_${i % 3}`,
      startedAtMs: start + Math.floor(next() * 28 * 86_400_000),
      telephony: { carrier: pick(CARRIERS), direction: next() < 0.7 ? 'inbound' : 'outbound', seconds },
      asr: [{ provider: 'deepgram', model: pick(ASR), seconds: Math.round(seconds * 0.97 * 1000) / 1000 }],
      llm: [{ provider: 'openai', model: pick(LLM), inputTokens: Math.floor(next() * 20_000), cachedInputTokens: Math.floor(next() * 8000), outputTokens: Math.floor(next() * 3000) }],
      tts: [{ provider: 'deepgram', model: 'aura-2', characters: Math.floor(next() * 4000) }],
      tools: next() < 0.3 ? [{ name: 'lookup_order', calls: 1 + Math.floor(next() * 3) }] : [],
    };
  });
}

async function generate(t: TestControl, calls: CallUsage[]) {
  const db = t.control.ctx.database.db;
  const records = new BillingRecords(db, new PricingService(db));
  const snapshot = await records.snapshot();
  for (const usage of calls) await records.recordCall(usage, snapshot);
}

async function setUp(t: TestControl) {
  await t.api('/v1/pricing/fx-rates', { method: 'POST', json: { rate: '84.2500', effectiveFrom: '2026-04-01' } });
  await t.api(`/v1/pricing/tenants/${t.tenantId}`, { method: 'PUT', json: { markupPercent: '12.5' } });
  await t.api('/v1/pricing/operator', { method: 'PUT', json: { legalName: 'Invorto Voice Pvt Ltd', gstin: '29ABCDE1234F1Z5', address: 'MG Road, Bengaluru 560001', stateCode: '29' } });
  await t.api('/v1/billing/profile', { method: 'PUT', json: { legalName: 'Acme Retail Pvt Ltd', gstin: '29AAACA1234B1Z9', address: 'Koramangala, Bengaluru', stateCode: '29' } });
}

describe.each(dialects())('a month of 1,000 calls invoiced on %s', (dialect) => {
  let t: TestControl;
  let dir: string;
  beforeAll(async () => {
    t = await startTestControl(dialect);
    dir = mkdtempSync(join(tmpdir(), 'invorto-invoice-'));
    await setUp(t);
    await generate(t, generateCalls(t.tenantId, '2026-05', 1000));
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds up to the sum of its billing records, to the paisa', async () => {
    const response = await t.api('/v1/invoices', { method: 'POST', json: { period: '2026-05' } });
    expect(response.status).toBe(201);
    const invoice = await response.json();
    expect(invoice).toMatchObject({ number: 'INV/2026-27/0001', period: '2026-05', financialYear: '2026-27', calls: 1000, taxMode: 'intra', placeOfSupply: '29' });
    expect(invoice.supplier.gstin).toBe('29ABCDE1234F1Z5');
    expect(invoice.recipient.gstin).toBe('29AAACA1234B1Z9');
    const sums = { taxable: 0, cgst: 0, sgst: 0, igst: 0, total: 0, calls: 0 };
    let cursor: string | null = null;
    do {
      const page: { records: { totals: Record<string, number>; status: string }[]; nextCursor: string | null } =
        await (await t.api(`/v1/billing/records?from=2026-05-01&to=2026-06-01&limit=400${cursor ? `&cursor=${cursor}` : ''}`)).json();
      for (const r of page.records) {
        expect(r.status).toBe('priced');
        sums.taxable += r.totals.taxablePaise; sums.cgst += r.totals.cgstPaise; sums.sgst += r.totals.sgstPaise; sums.igst += r.totals.igstPaise; sums.total += r.totals.totalPaise; sums.calls += 1;
      }
      cursor = page.nextCursor;
    } while (cursor);
    expect(sums.calls).toBe(1000);
    expect(invoice.subtotalPaise).toBe(sums.taxable);
    expect([invoice.cgstPaise, invoice.sgstPaise, invoice.igstPaise]).toEqual([sums.cgst, sums.sgst, 0]);
    expect(invoice.totalPaise).toBe(sums.total);
    expect(invoice.subtotalPaise + invoice.gstPaise).toBe(invoice.totalPaise);
    const groupsTotal = invoice.groups.reduce((n: number, g: { totalPaise: number }) => n + g.totalPaise, 0);
    expect(groupsTotal).toBe(invoice.totalPaise);
    expect(invoice.groups.map((g: { component: string }) => g.component)).toEqual(['telephony', 'asr', 'llm_input', 'llm_cached_input', 'llm_output', 'tts', 'tool']);
    expect(invoice.totalInWords).toMatch(/^Rupees .+ Only$/);
    const usage = await (await t.api('/v1/usage?from=2026-05-01&to=2026-06-01&group_by=day')).json();
    expect(usage.totals).toMatchObject({ calls: 1000, totalPaise: sums.total });
  });

  it('is the same invoice, byte for byte, when issued again and when fetched as JSON, CSV and PDF', async () => {
    const first = await (await t.api('/v1/invoices', { method: 'POST', json: { period: '2026-05' } })).text();
    const again = await t.api('/v1/invoices', { method: 'POST', json: { period: '2026-05' } });
    expect(again.status).toBe(200);
    expect(await again.text()).toBe(first);
    const { id } = JSON.parse(first);
    expect(await (await t.api(`/v1/invoices/${id}`)).text()).toBe(first);
    const csv = [await (await t.api(`/v1/invoices/${id}/csv`)).text(), await (await t.api(`/v1/invoices/${id}/csv`)).text()];
    expect(csv[1]).toBe(csv[0]);
    expect(csv[0]).toContain(`total,${(JSON.parse(first).totalPaise / 100).toFixed(2)}`);
    expect(csv[0].split('\r\n')[0]).toBe('invoice,INV/2026-27/0001');
    const pdf = await t.api(`/v1/invoices/${id}/pdf`);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const bytes = [Buffer.from(await pdf.arrayBuffer()), Buffer.from(await (await t.api(`/v1/invoices/${id}/pdf`)).arrayBuffer())];
    expect(bytes[1].equals(bytes[0])).toBe(true);
    const file = join(dir, 'invoice.pdf');
    writeFileSync(file, bytes[0]);
    expect(execFileSync('pdfinfo', [file]).toString()).toMatch(/Title:\s+Tax invoice INV\/2026-27\/0001/);
    const text = execFileSync('pdftotext', ['-layout', file, '-']).toString();
    const invoice = JSON.parse(first);
    expect(text).toContain('TAX INVOICE');
    expect(text).toContain('INV/2026-27/0001');
    expect(text).toContain('29ABCDE1234F1Z5');
    expect(text).toContain(`Rs. ${rupeesGrouped(invoice.totalPaise)}`);
    expect(text).toContain(`Rs. ${rupeesGrouped(invoice.cgstPaise)}`);
    expect(text.replace(/\s+/g, ' ')).toContain(invoice.totalInWords);
  });

  it('numbers invoices in sequence per tenant within the financial year (April to March)', async () => {
    for (const month of ['2026-06', '2026-03', '2025-04']) await generate(t, generateCalls(t.tenantId, month, 5, 99));
    const number = async (period: string) => (await (await t.api('/v1/invoices', { method: 'POST', json: { period } })).json()).number;
    expect(await number('2026-06')).toBe('INV/2026-27/0002');
    expect(await number('2026-03')).toBe('INV/2025-26/0001');
    expect(await number('2025-04')).toBe('INV/2025-26/0002');
    expect(await number('2026-05')).toBe('INV/2026-27/0001');
    const other = await t.newTenant();
    await generate(t, generateCalls(other.tenantId, '2026-06', 3, 5));
    expect((await (await t.api('/v1/invoices', { as: other.ownerToken, method: 'POST', json: { period: '2026-06' } })).json()).number).toBe('INV/2026-27/0001');
    const list = (await (await t.api('/v1/invoices')).json()).invoices;
    expect(list.map((i: { number: string }) => i.number)).toEqual(['INV/2026-27/0001', 'INV/2026-27/0002', 'INV/2025-26/0001', 'INV/2025-26/0002']);
    // A month not yet over, and another tenant's invoice, are refused.
    const current = new Date(Date.now() + 5.5 * 3_600_000).toISOString().slice(0, 7);
    expect((await t.api('/v1/invoices', { method: 'POST', json: { period: current } })).status).toBe(409);
    expect((await t.api(`/v1/invoices/${list[0].id}`, { as: other.ownerToken })).status).toBe(404);
    const viewer = await t.tokenFor('viewer');
    expect((await t.api('/v1/invoices', { as: viewer, method: 'POST', json: { period: '2026-07' } })).status).toBe(403);
  });
});

describe('the same calls in a fresh installation', () => {
  it('give the same invoice but for its id and issue time', async () => {
    const documents: Record<string, unknown>[] = [];
    for (let run = 0; run < 2; run += 1) {
      const t = await startTestControl('sqlite');
      try {
        await setUp(t);
        await generate(t, generateCalls(t.tenantId, '2026-05', 200, 3));
        documents.push(await (await t.api('/v1/invoices', { method: 'POST', json: { period: '2026-05' } })).json());
      } finally {
        await t.close();
      }
    }
    const strip = ({ id: _id, issuedAt: _at, ...rest }: Record<string, unknown>) => JSON.stringify(rest);
    expect(strip(documents[1])).toBe(strip(documents[0]));
  });
});
