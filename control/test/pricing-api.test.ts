// /v1/pricing on both databases: defaults, effective-dated changes, bad prices, overlaps, and who may touch it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, startTestControl, type TestControl } from './helpers/test-control.ts';

describe.each(dialects())('the price book API on %s', (dialect) => {
  let t: TestControl;
  beforeAll(async () => { t = await startTestControl(dialect); });
  afterAll(async () => { await t?.close(); });

  it('starts with the vendors\' list prices, each saying where it came from and when', async () => {
    const response = await t.api('/v1/pricing/prices?provider=deepgram');
    expect(response.status).toBe(200);
    const { prices } = await response.json();
    const nova3 = prices.find((p: { model: string }) => p.model === 'nova-3');
    expect(nova3).toMatchObject({ component: 'asr', price: '0.0077', unit: 'minute', currency: 'USD', effectiveTo: null });
    expect(nova3.source).toMatch(/deepgram\.com\/pricing.*2025-06-01/);
    expect(prices.find((p: { model: string }) => p.model === 'aura-2')).toMatchObject({ component: 'tts', price: '0.030', unit: '1k_chars' });
    const openai = (await (await t.api('/v1/pricing/prices?provider=openai&model=gpt-4o-mini')).json()).prices;
    expect(openai.map((p: { component: string; price: string }) => `${p.component}=${p.price}`).sort()).toEqual(['llm_cached_input=0.075', 'llm_input=0.15', 'llm_output=0.60']);
    expect((await (await t.api('/v1/pricing/fx-rates')).json()).rates).toMatchObject([{ id: 'fx_default', rate: '85.00', effectiveTo: null }]);
  });

  it('changes a price from a date: the open price is closed there, and both stay in the book', async () => {
    const response = await t.api('/v1/pricing/prices', { method: 'POST', json: { component: 'asr', provider: 'deepgram', model: 'nova-2', price: '0.0060', effectiveFrom: '2026-08-01', source: 'contract #42' } });
    expect(response.status).toBe(201);
    const body = await response.json();
    expect(body.superseded).toBe('pr_default_asr_deepgram_nova-2');
    expect(body.price).toMatchObject({ price: '0.0060', effectiveFrom: '2026-07-31T18:30:00.000Z', effectiveTo: null, unit: 'minute' });
    const history = (await (await t.api('/v1/pricing/prices?model=nova-2')).json()).prices;
    expect(history.map((p: { price: string; effectiveTo: string | null }) => [p.price, p.effectiveTo])).toEqual([['0.0058', '2026-07-31T18:30:00.000Z'], ['0.0060', null]]);
    const inJuly = (await (await t.api('/v1/pricing/prices?model=nova-2&at=2026-07-15T00:00:00Z')).json()).prices;
    expect(inJuly.map((p: { price: string }) => p.price)).toEqual(['0.0058']);
  });

  it('refuses overlapping ranges, naming the entry overlapped', async () => {
    const first = await t.api('/v1/pricing/prices', { method: 'POST', json: { component: 'telephony', provider: 'acme', model: 'inbound', price: '0.01', effectiveFrom: '2026-01-01', effectiveTo: '2026-03-01' } });
    expect(first.status).toBe(201);
    const id = (await first.json()).price.id;
    const overlap = await t.api('/v1/pricing/prices', { method: 'POST', json: { component: 'telephony', provider: 'acme', model: 'inbound', price: '0.02', effectiveFrom: '2026-02-01', effectiveTo: '2026-04-01' } });
    expect(overlap.status).toBe(409);
    expect(await overlap.json()).toMatchObject({ code: 'overlap', error: expect.stringContaining(id) });
    const after = await t.api('/v1/pricing/prices', { method: 'POST', json: { component: 'telephony', provider: 'acme', model: 'inbound', price: '0.02', effectiveFrom: '2026-03-01' } });
    expect(after.status).toBe(201);
    expect((await after.json()).superseded).toBeNull();
  });

  it('refuses negative, non-numeric and float-typed prices with the field named', async () => {
    const post = (price: unknown) => t.api('/v1/pricing/prices', { method: 'POST', json: { component: 'asr', provider: 'x', model: 'y', price, effectiveFrom: '2026-01-01' } });
    for (const [price, message] of [['-0.01', /may not be negative/], ['abc', /plain non-negative decimal/], ['1e-3', /plain non-negative decimal/], [0.0077, /string/]] as const) {
      const response = await post(price);
      expect(response.status, String(price)).toBe(400);
      const body = await response.json();
      expect(body.path).toBe('$.price');
      expect(body.error).toMatch(message);
    }
    const badDate = await t.api('/v1/pricing/prices', { method: 'POST', json: { component: 'asr', provider: 'x', model: 'y', price: '1', effectiveFrom: 'tomorrow' } });
    expect(await badDate.json()).toMatchObject({ path: '$.effectiveFrom' });
    const badRate = await t.api('/v1/pricing/fx-rates', { method: 'POST', json: { rate: '0', effectiveFrom: '2026-01-01' } });
    expect(badRate.status).toBe(400);
  });

  it('adds exchange rates by date, and refuses an overlap', async () => {
    const response = await t.api('/v1/pricing/fx-rates', { method: 'POST', json: { rate: '84.2500', effectiveFrom: '2026-06-01', source: 'RBI reference rate' } });
    expect(response.status).toBe(201);
    expect((await response.json()).superseded).toBe('fx_default');
    const overlap = await t.api('/v1/pricing/fx-rates', { method: 'POST', json: { rate: '84', effectiveFrom: '2026-05-01', effectiveTo: '2026-07-01' } });
    expect(overlap.status).toBe(409);
  });

  it("sets a tenant's markup, GST and budget, validated", async () => {
    const put = await t.api(`/v1/pricing/tenants/${t.tenantId}`, { method: 'PUT', json: { markupPercent: '20', monthlyBudgetPaise: 500_000 } });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ tenantId: t.tenantId, markupPercent: '20', gstPercent: null, monthlyBudgetPaise: 500_000, callCapPaise: null });
    const bad = await t.api(`/v1/pricing/tenants/${t.tenantId}`, { method: 'PUT', json: { markupPercent: '-5' } });
    expect(await bad.json()).toMatchObject({ path: '$.markupPercent' });
    expect((await t.api('/v1/pricing/tenants/nobody')).status).toBe(404);
    const operator = await t.api('/v1/pricing/operator', { method: 'PUT', json: { legalName: 'Invorto Voice Pvt Ltd', gstin: '29ABCDE1234F1Z5', address: 'Bengaluru', stateCode: '' } });
    expect(await operator.json()).toMatchObject({ gstin: '29ABCDE1234F1Z5', stateCode: '29' });
    const badGstin = await t.api('/v1/pricing/operator', { method: 'PUT', json: { legalName: 'x', gstin: 'NOTAGSTIN', address: '', stateCode: '29' } });
    expect(await badGstin.json()).toMatchObject({ path: '$.gstin' });
  });

  it("is the operator's: viewers, and every other tenant's owners and keys, are refused", async () => {
    const viewer = await t.tokenFor('viewer');
    expect((await t.api('/v1/pricing/prices', { as: viewer })).status).toBe(403);
    const admin = await t.tokenFor('admin');
    expect((await t.api('/v1/pricing/prices', { as: admin })).status).toBe(200);
    const other = await t.newTenant();
    for (const as of [other.ownerToken, other.apiKey]) {
      const response = await t.api('/v1/pricing/prices', { as });
      expect(response.status).toBe(403);
      expect((await response.json()).error).toMatch(/operator/);
      expect((await t.api(`/v1/pricing/tenants/${other.tenantId}`, { as, method: 'PUT', json: { markupPercent: '0' } })).status).toBe(403);
    }
    const readOnlyKey = await t.keyWith(['pricing:read']);
    expect((await t.api('/v1/pricing/fx-rates', { as: readOnlyKey, method: 'POST', json: { rate: '90', effectiveFrom: '2030-01-01' } })).status).toBe(403);
  });

  it('lets only one of four overlapping prices sent at the same moment in', async () => {
    const post = (price: string) => t.api('/v1/pricing/prices', { method: 'POST', json: { component: 'tts', provider: 'race', model: 'm', price, effectiveFrom: '2026-01-01', effectiveTo: '2026-02-01' } });
    const statuses = (await Promise.all(['0.01', '0.02', '0.03', '0.04'].map(post))).map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409]);
  });
});
