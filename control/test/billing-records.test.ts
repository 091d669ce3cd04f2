// Billing records through the API on both databases: priced from a call's usage, idempotent, versioned when the
// book changes (an invoiced version is never rewritten), unpriced when the day has no exchange rate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallUsage } from '../src/modules/billing/usage.ts';
import { istMidnight } from '../src/modules/pricing/time.ts';
import { dialects, startTestControl, type TestControl } from './helpers/test-control.ts';

// Golden call A of pricing-golden.test.ts: ₹10.87 with 20 % markup and CGST+SGST at a rate of 84.25.
const callA = (tenantId: string, over: Partial<CallUsage> = {}): CallUsage => ({
  callId: 'call_a', tenantId, agentId: 'agt_sales', startedAtMs: istMidnight('2026-06-10') + 3_600_000,
  telephony: { carrier: 'twilio', direction: 'inbound', seconds: 185.4 },
  asr: [{ provider: 'deepgram', model: 'nova-3', seconds: 181.2 }],
  llm: [{ provider: 'openai', model: 'gpt-4o-mini', inputTokens: 5230, cachedInputTokens: 2048, outputTokens: 612 }],
  tts: [{ provider: 'deepgram', model: 'aura-2', characters: 1347 }],
  tools: [], ...over,
});

describe.each(dialects())('billing records on %s', (dialect) => {
  let t: TestControl;
  const record = async (usage: CallUsage) => {
    const response = await t.internal('/internal/billing/usage', { method: 'POST', json: usage });
    expect(response.status).toBe(200);
    return response.json();
  };
  beforeAll(async () => {
    t = await startTestControl(dialect);
    expect((await t.api('/v1/pricing/fx-rates', { method: 'POST', json: { rate: '84.25', effectiveFrom: '2026-06-01' } })).status).toBe(201);
    expect((await t.api(`/v1/pricing/tenants/${t.tenantId}`, { method: 'PUT', json: { markupPercent: '20', monthlyBudgetPaise: 5000, callCapPaise: 2000 } })).status).toBe(200);
  });
  afterAll(async () => { await t?.close(); });

  it("prices a call's usage to the paisa, and the same usage again changes nothing", async () => {
    const first = await record(callA(t.tenantId));
    expect(first).toMatchObject({ callId: 'call_a', version: 1, current: true, status: 'priced', fxRate: '84.25', terms: { markupPercent: '20', gstPercent: '18', taxMode: 'intra' } });
    expect(first.totals).toEqual({ usdMicros: 91235, costPaise: 768, markupPaise: 153, taxablePaise: 921, cgstPaise: 83, sgstPaise: 83, igstPaise: 0, gstPaise: 166, totalPaise: 1087 });
    const again = await record(callA(t.tenantId));
    expect(again).toEqual(first);
    const { current, versions } = await (await t.api('/v1/billing/records/call_a')).json();
    expect(current.id).toBe(first.id);
    expect(versions).toHaveLength(1);
  });

  it('prices a call of another state with IGST once both GST profiles are set', async () => {
    expect((await t.api('/v1/pricing/operator', { method: 'PUT', json: { legalName: 'Invorto Voice Pvt Ltd', gstin: '29ABCDE1234F1Z5', address: 'MG Road, Bengaluru', stateCode: '29' } })).status).toBe(200);
    const other = await t.newTenant('Mumbai Motors');
    expect((await t.api('/v1/billing/profile', { as: other.ownerToken, method: 'PUT', json: { legalName: 'Mumbai Motors LLP', gstin: '27AAAAA0000A1Z5', address: 'Andheri, Mumbai', stateCode: '27' } })).status).toBe(200);
    const r = await record(callA(other.tenantId, { callId: 'call_mumbai' }));
    // No markup for this tenant: taxable = cost 768; IGST per line: 221→39.78→40, 196→35.28→35, 7→1.26→1, 1→0.18→0,
    // 3→0.54→1, 340→61.2→61: 138; total 906.
    expect(r.totals).toMatchObject({ costPaise: 768, markupPaise: 0, taxablePaise: 768, cgstPaise: 0, sgstPaise: 0, igstPaise: 138, totalPaise: 906 });
    expect((await t.api('/v1/billing/records/call_mumbai')).status).toBe(404);
    expect((await t.api(`/v1/billing/records/call_a?tenantId=${t.tenantId}`, { as: other.ownerToken })).status).toBe(403);
  });

  it('marks a call with no exchange rate for its day unpriced, naming the day, and refuses to invoice the month', async () => {
    const r = await record(callA(t.tenantId, { callId: 'call_old', startedAtMs: istMidnight('2024-12-31') + 60_000 }));
    expect(r).toMatchObject({ status: 'unpriced', lines: [], totals: { totalPaise: 0 } });
    expect(r.error).toMatch(/no USD→INR exchange rate in force on 2024-12-31/);
    const invoice = await t.api('/v1/invoices', { method: 'POST', json: { period: '2024-12' } });
    expect(invoice.status).toBe(409);
    expect(await invoice.json()).toMatchObject({ code: 'unpriced_calls', error: expect.stringContaining('call_old') });
    // The operator adds the missing rate and reprices: version 2 is priced.
    expect((await t.api('/v1/pricing/fx-rates', { method: 'POST', json: { rate: '85.50', effectiveFrom: '2024-12-01', effectiveTo: '2025-01-01' } })).status).toBe(201);
    expect(await (await t.api('/v1/billing/reprice', { method: 'POST', json: { from: '2024-12-01', to: '2025-01-01' } })).json()).toEqual({ calls: 1, newVersions: 1 });
    const { current, versions } = await (await t.api('/v1/billing/records/call_old')).json();
    expect(current).toMatchObject({ version: 2, status: 'priced', fxRate: '85.50' });
    expect(versions[0]).toMatchObject({ version: 1, current: false, status: 'unpriced' });
  });

  it('prices an unknown model by the default and flags it', async () => {
    const r = await record(callA(t.tenantId, { callId: 'call_new_model', llm: [{ provider: 'openai', model: 'gpt-7-preview', inputTokens: 1000, cachedInputTokens: 0, outputTokens: 100 }] }));
    expect(r.status).toBe('priced');
    expect(r.flags).toEqual(['llm_input openai/gpt-7-preview: priced by the default for unknown models', 'llm_output openai/gpt-7-preview: priced by the default for unknown models']);
    expect(r.lines.find((l: { component: string }) => l.component === 'llm_input')).toMatchObject({ unitPrice: '2.50', unknownModel: true });
  });

  it('makes a new version when the book changes, and leaves the invoiced version as it was', async () => {
    const issued = await t.api('/v1/invoices', { method: 'POST', json: { period: '2026-06' } });
    expect(issued.status).toBe(201);
    const invoice = await issued.json();
    const june = (await (await t.api('/v1/billing/records?from=2026-06-01&to=2026-07-01')).json()).records;
    expect(invoice.totalPaise).toBe(june.reduce((n: number, r: { totals: { totalPaise: number } }) => n + r.totals.totalPaise, 0));
    // Aura-2 gets dearer from 1 June: the June calls reprice to a second version.
    expect((await t.api('/v1/pricing/prices', { method: 'POST', json: { component: 'tts', provider: 'deepgram', model: 'aura-2', price: '0.035', effectiveFrom: '2026-06-01' } })).status).toBe(201);
    const repriced = await (await t.api('/v1/billing/reprice', { method: 'POST', json: { from: '2026-06-01', to: '2026-07-01' } })).json();
    expect(repriced).toEqual({ calls: 3, newVersions: 3 }); // both tenants' June calls
    const { current, versions } = await (await t.api('/v1/billing/records/call_a')).json();
    expect(versions.map((v: { version: number; invoiceId: string | null }) => [v.version, v.invoiceId])).toEqual([[1, invoice.id], [2, null]]);
    expect(versions[0].totals.totalPaise).toBe(1087);
    // tts at 0.035: 1,347 × $0.035/1,000 = $0.047145 × 84.25 = ₹3.97196625 → 397 p; markup 79.4 → 79; taxable 476;
    // 9 % = 42.84 → 43 each; total 562 (was 482): the call goes 1,087 → 1,167.
    expect(current.totals.totalPaise).toBe(1167);
    const again = await t.api('/v1/invoices', { method: 'POST', json: { period: '2026-06' } });
    expect(again.status).toBe(200);
    expect(await again.text()).toBe(JSON.stringify(invoice));
    // Repricing with nothing changed makes no version.
    expect(await (await t.api('/v1/billing/reprice', { method: 'POST', json: { from: '2026-06-01', to: '2026-07-01' } })).json()).toEqual({ calls: 3, newVersions: 0 });
  });

  it('reports usage by agent, day and component, and the budget left for the edge', async () => {
    const byComponent = await (await t.api('/v1/usage?from=2026-06-01&to=2026-07-01&group_by=component')).json();
    expect(byComponent.groups.find((g: { key: string }) => g.key === 'tts deepgram/aura-2')).toMatchObject({ calls: 2, quantity: 2694, quantityUnit: 'chars' });
    const byAgent = await (await t.api('/v1/usage?from=2026-06-01&to=2026-07-01&group_by=agent')).json();
    expect(byAgent.groups).toEqual([expect.objectContaining({ key: 'agt_sales', calls: 2, totalPaise: byAgent.totals.totalPaise })]);
    const byDay = await (await t.api('/v1/usage?from=2026-06-01&to=2026-07-01&group_by=day')).json();
    expect(byDay.groups.map((g: { key: string }) => g.key)).toEqual(['2026-06-10']);
    const byMonth = await (await t.api('/v1/usage?from=2024-12-01&to=2026-07-01&group_by=month')).json();
    expect(byMonth.groups.map((g: { key: string; calls: number }) => [g.key, g.calls])).toEqual([['2024-12', 1], ['2026-06', 2]]);
    expect((await t.api('/v1/usage?from=2026-06-01&to=2026-07-01&group_by=week')).status).toBe(400);
    expect((await t.api('/v1/usage?from=2026-07-01&to=2026-06-01&group_by=day')).status).toBe(400);
    const viewer = await t.tokenFor('viewer');
    expect((await t.api('/v1/usage?from=2026-06-01&to=2026-07-01&group_by=day', { as: viewer })).status).toBe(200);
    const budget = await (await t.internal(`/internal/budgets/${t.tenantId}`)).json();
    expect(budget).toMatchObject({ tenantId: t.tenantId, monthlyBudgetPaise: 5000, callCapPaise: 2000, spentPaise: 0, remainingPaise: 5000 });
  });

  it("counts this month's calls against the budget, and takes a tenant's GST override", async () => {
    const other = await t.newTenant('Budgeted');
    expect((await t.api(`/v1/pricing/tenants/${other.tenantId}`, { method: 'PUT', json: { gstPercent: '12', monthlyBudgetPaise: 1000, callCapPaise: 500 } })).status).toBe(200);
    const r = await record(callA(other.tenantId, { callId: 'call_now', startedAtMs: Date.now() - 60_000 }));
    // Today's rate is 84.25 (from 2026-06-01) and Aura-2 costs $0.035 (set above): tts 397 p, the rest as call A;
    // no markup; 12 % as CGST 6 % + SGST 6 % per line: 221 → 13.26 → 13 ×2; 196 → 11.76 → 12 ×2; 7 → 0.42 → 0;
    // 1 → 0; 3 → 0.18 → 0; 397 → 23.82 → 24 ×2: cost 825, GST 98, total 923.
    expect(r.terms.gstPercent).toBe('12');
    expect(r.totals).toMatchObject({ costPaise: 825, gstPaise: 98, totalPaise: 923 });
    const budget = await (await t.internal(`/internal/budgets/${other.tenantId}`)).json();
    expect(budget).toMatchObject({ monthlyBudgetPaise: 1000, spentPaise: 923, remainingPaise: 77, callCapPaise: 500, unpricedCalls: 0 });
    // The edge's estimate rates are all-in: Aura-2 at $0.035 per 1,000 characters × 84.25 = 0.294875 paise a
    // character; over a million characters 294,875 p, GST 6 % + 6 % = 17,692.5 → 17,693 ×2: 330,261 p, so 330,261
    // micro-paise a character. A "*" entry prices what the book does not name (the default for unknown models).
    const rate = (component: string, provider: string, model: string) => budget.estimateRates.find((r: { component: string; provider: string; model: string }) => r.component === component && r.provider === provider && r.model === model);
    expect(rate('tts', 'deepgram', 'aura-2')).toMatchObject({ microPaisePerUnit: 330_261 });
    expect(rate('asr', '*', '*').microPaisePerUnit).toBeGreaterThan(0);
    expect(rate('tts', 'flite', '*')).toMatchObject({ microPaisePerUnit: 0 });
    // Cached input has its own rate: gpt-4o-mini's $0.075 per 1M × 84.25 = 631.875 → 632 p, GST 37.92 → 38 ×2: 708.
    expect(rate('llm_cached_input', 'openai', 'gpt-4o-mini')).toMatchObject({ microPaisePerUnit: 708 });
  });

  it('refuses malformed usage on the internal API, and the internal API only with its token', async () => {
    const bad = await t.internal('/internal/billing/usage', { method: 'POST', json: { ...callA(t.tenantId), asr: [{ provider: 'deepgram', model: 'nova-3', seconds: -5 }] } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ path: '$.asr[0].seconds' });
    expect((await fetch(`${t.internalUrl}/internal/budgets/${t.tenantId}`)).status).toBe(401);
    expect((await t.api(`/internal/budgets/${t.tenantId}`)).status).toBe(404);
  });
});
