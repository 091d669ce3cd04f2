import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { dialects, startTestControl, type TestControl } from './helpers/test-control.ts';

const path = (e164: string) => `/v1/numbers/${encodeURIComponent(e164)}`;

describe.each(dialects())('phone numbers on %s', (dialect) => {
  let t: TestControl;
  beforeAll(async () => {
    t = await startTestControl(dialect);
    const { id: _id, tenantId: _tenant, ...settings } = demoAgent('x');
    expect((await t.api('/v1/agents', { method: 'POST', json: { id: 'sales', ...settings, name: 'Sales' } })).status).toBe(201);
  });
  afterAll(async () => { await t.close(); });

  const add = (json: unknown, as?: string) => t.api('/v1/numbers', { method: 'POST', json, as });

  it('adds a number for an agent, reads it by its URL-encoded + and lists it', async () => {
    const created = await add({ number: '+14155550100', agentId: 'demo', label: 'front desk' });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ number: '+14155550100', agentId: 'demo', label: 'front desk' });
    expect(await (await t.api(path('+14155550100'))).json()).toMatchObject({ number: '+14155550100', agentId: 'demo' });
    // A literal "+" in the path is the same number (a path is not a query string: "+" is not a space there).
    expect((await t.api('/v1/numbers/+14155550100')).status).toBe(200);
    const list = await (await t.api('/v1/numbers')).json();
    expect(list.items.map((n: { number: string }) => n.number)).toContain('+14155550100');
    expect(await (await t.internal(`/internal/numbers/${encodeURIComponent('+14155550100')}`)).json()).toEqual({ tenantId: t.tenantId, agentId: 'demo' });
  });

  it('reassigns a number to another agent and relabels it; deletes it', async () => {
    await add({ number: '+442071838750', agentId: 'demo' });
    const patched = await t.api(path('+442071838750'), { method: 'PATCH', json: { agentId: 'sales', label: 'London' } });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ agentId: 'sales', label: 'London' });
    expect(await (await t.internal(`/internal/numbers/${encodeURIComponent('+442071838750')}`)).json()).toMatchObject({ agentId: 'sales' });
    expect((await (await t.api(path('+442071838750'), { method: 'PATCH', json: { label: null } })).json()).label).toBeNull();
    const unknownAgent = await t.api(path('+442071838750'), { method: 'PATCH', json: { agentId: 'nobody' } });
    expect(unknownAgent.status).toBe(400);
    expect((await unknownAgent.json()).path).toBe('$.agentId');
    expect((await t.api(path('+442071838750'), { method: 'DELETE' })).status).toBe(204);
    expect((await t.api(path('+442071838750'))).status).toBe(404);
    expect((await t.internal(`/internal/numbers/${encodeURIComponent('+442071838750')}`)).status).toBe(404);
  });

  it('refuses numbers that are not E.164 with 400 and the path', async () => {
    for (const number of ['14155550101', '+0155550101', '+1-415-555-0101', '+1234', '+1234567890123456', "+1555' OR 1=1", '']) {
      const response = await add({ number, agentId: 'demo' });
      expect(response.status, number).toBe(400);
      expect(await response.json(), number).toMatchObject({ code: 'validation', path: '$.number' });
    }
    expect((await t.api(path('not-a-number'))).status).toBe(400);
    const noAgent = await add({ number: '+14155550102', agentId: 'nobody' });
    expect(noAgent.status).toBe(400);
    expect((await noAgent.json()).path).toBe('$.agentId');
    expect((await add({ number: '+14155550102', agentId: 'demo', extra: 1 })).status).toBe(400);
  });

  it('gives a number to one tenant only: 409 for another, without saying whose', async () => {
    expect((await add({ number: '+14155550103', agentId: 'demo' })).status).toBe(201);
    const again = await add({ number: '+14155550103', agentId: 'demo' });
    expect(again.status).toBe(409);
    expect((await again.json()).error).toContain('already in this tenant');
    const other = await t.newTenant();
    const { id: _id, tenantId: _tenant, ...settings } = demoAgent('x');
    await t.api('/v1/agents', { method: 'POST', json: { id: 'theirs', ...settings }, as: other.apiKey });
    const taken = await add({ number: '+14155550103', agentId: 'theirs' }, other.apiKey);
    expect(taken.status).toBe(409);
    const body = await taken.json();
    expect(body.error).toBe('+14155550103 is not available');
    expect(JSON.stringify(body)).not.toContain(t.tenantId);
    // Tenant isolation: the other tenant cannot see, change or delete ours.
    expect((await t.api(path('+14155550103'), { as: other.apiKey })).status).toBe(404);
    expect((await t.api(path('+14155550103'), { method: 'PATCH', json: { agentId: 'theirs' }, as: other.apiKey })).status).toBe(404);
    expect((await t.api(path('+14155550103'), { method: 'DELETE', as: other.apiKey })).status).toBe(404);
    expect((await (await t.api('/v1/numbers', { as: other.apiKey })).json()).items).toEqual([]);
    // Nor assign its number to our agent.
    expect((await add({ number: '+14155550104', agentId: 'demo' }, other.apiKey)).status).toBe(400);
  });

  it('keeps an agent while numbers ring it (409), and lets it go once they are gone', async () => {
    const { id: _id, tenantId: _tenant, ...settings } = demoAgent('x');
    await t.api('/v1/agents', { method: 'POST', json: { id: 'busy', ...settings } });
    await add({ number: '+14155550105', agentId: 'busy' });
    const refused = await t.api('/v1/agents/busy', { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect((await refused.json()).error).toContain('+14155550105');
    await t.api(path('+14155550105'), { method: 'DELETE' });
    expect((await t.api('/v1/agents/busy', { method: 'DELETE' })).status).toBe(204);
  });

  it('pages numbers with a cursor and filters by agent', async () => {
    for (let i = 0; i < 5; i++) expect((await add({ number: `+1650555020${i}`, agentId: 'sales' })).status).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { number: string }[]; nextCursor: string | null } = await (await t.api(`/v1/numbers?agentId=sales&limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json();
      seen.push(...page.items.map((n) => n.number));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['+16505550200', '+16505550201', '+16505550202', '+16505550203', '+16505550204']);
  });

  it('checks scopes: numbers:read to read, numbers:write to change', async () => {
    const reader = await t.keyWith(['numbers:read']);
    expect((await t.api('/v1/numbers', { as: reader })).status).toBe(200);
    expect((await add({ number: '+14155550199', agentId: 'demo' }, reader)).status).toBe(403);
    const agentsOnly = await t.keyWith(['agents:read', 'agents:write']);
    expect((await t.api('/v1/numbers', { as: agentsOnly })).status).toBe(403);
    const viewer = await t.tokenFor('viewer');
    expect((await t.api('/v1/numbers', { as: viewer })).status).toBe(200);
    expect((await add({ number: '+14155550199', agentId: 'demo' }, viewer)).status).toBe(403);
  });
});
