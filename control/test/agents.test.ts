import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { validateAgentConfig } from '@invorto/proto/agent-config.ts';
import { dialects, startTestControl, type TestControl } from './helpers/test-control.ts';

/** An agent's settings as a client sends them (no id, no tenant). */
function settings(extra: Record<string, unknown> = {}) {
  const { id: _id, tenantId: _tenant, ...rest } = demoAgent('x');
  return { ...rest, ...extra };
}

const SECRET = 'whsec-0123456789abcdef';
const webhook = (extra: Record<string, unknown> = {}) => ({
  name: 'lookup', description: 'finds an order', url: 'https://example.test/hook', parameters: { type: 'object' }, ...extra,
});

describe.each(dialects())('agents with versions on %s', (dialect) => {
  let t: TestControl;
  beforeAll(async () => { t = await startTestControl(dialect); });
  afterAll(async () => { await t.close(); });

  const create = async (body: Record<string, unknown>, as?: string) => t.api('/v1/agents', { method: 'POST', json: body, as });
  const put = (id: string, body: unknown, etag?: string, query = '') =>
    t.api(`/v1/agents/${id}${query}`, { method: 'PUT', json: body, headers: etag ? { 'if-match': etag } : {} });

  it('seeds the demo agent as version 1, published', async () => {
    const response = await t.api('/v1/agents/demo');
    expect(response.status).toBe(200);
    const agent = await response.json();
    expect(agent).toMatchObject({ id: 'demo', name: 'Demo receptionist', latestVersion: 1, publishedVersion: 1 });
    expect(response.headers.get('etag')).toBe(agent.etag);
    const versions = await (await t.api('/v1/agents/demo/versions')).json();
    expect(versions.items).toEqual([expect.objectContaining({ agentId: 'demo', version: 1, published: true, createdBy: 'seed' })]);
  });

  it('creates version 1, published, with a generated or chosen id', async () => {
    const generated = await create(settings({ name: 'Generated' }));
    expect(generated.status).toBe(201);
    const agent = await generated.json();
    expect(agent.id).toMatch(/^agt_/);
    expect(agent).toMatchObject({ latestVersion: 1, publishedVersion: 1, config: { name: 'Generated' } });
    expect(generated.headers.get('location')).toBe(`/v1/agents/${agent.id}`);
    const chosen = await create({ id: 'sales', ...settings({ name: 'Sales' }) });
    expect(chosen.status).toBe(201);
    expect((await chosen.json()).id).toBe('sales');
    const again = await create({ id: 'sales', ...settings() });
    expect(again.status).toBe(409);
    expect((await again.json()).code).toBe('conflict');
  });

  it('makes every update an immutable version N+1, a draft until published; rollback publishes an older one', async () => {
    const created = await (await create({ id: 'versioned', ...settings({ greeting: 'v1 hello' }) })).json();
    const updated = await put('versioned', settings({ greeting: 'v2 hello' }), created.etag);
    expect(updated.status).toBe(200);
    const v2 = await updated.json();
    expect(v2).toMatchObject({ latestVersion: 2, publishedVersion: 1, config: { greeting: 'v2 hello' } });
    expect(v2.etag).not.toBe(created.etag);
    expect(updated.headers.get('etag')).toBe(v2.etag);
    // The edge still gets version 1 until version 2 is published.
    expect(await (await t.internal(`/internal/agents/${t.tenantId}/versioned`)).json()).toMatchObject({ version: 1, greeting: 'v1 hello' });
    const published = await (await t.api('/v1/agents/versioned/publish', { method: 'POST', json: { version: 2 } })).json();
    expect(published).toMatchObject({ latestVersion: 2, publishedVersion: 2 });
    expect(await (await t.internal(`/internal/agents/${t.tenantId}/versioned`)).json()).toMatchObject({ version: 2, greeting: 'v2 hello' });
    // ?publish=true: version 3 is live at once.
    const v3 = await (await put('versioned', settings({ greeting: 'v3 hello' }), published.etag, '?publish=true')).json();
    expect(v3).toMatchObject({ latestVersion: 3, publishedVersion: 3 });
    // Rollback to version 1: its settings come back; versions 2 and 3 are still there, unchanged.
    const rolledBack = await (await t.api('/v1/agents/versioned/publish', { method: 'POST', json: { version: 1 } })).json();
    expect(rolledBack).toMatchObject({ latestVersion: 3, publishedVersion: 1 });
    expect(await (await t.internal(`/internal/agents/${t.tenantId}/versioned`)).json()).toMatchObject({ version: 1, greeting: 'v1 hello' });
    const list = await (await t.api('/v1/agents/versioned/versions')).json();
    expect(list.items.map((v: { version: number; published: boolean }) => [v.version, v.published])).toEqual([[3, false], [2, false], [1, true]]);
    expect((await (await t.api('/v1/agents/versioned/versions/2')).json()).config.greeting).toBe('v2 hello');
    expect((await t.api('/v1/agents/versioned/versions/9')).status).toBe(404);
    expect((await t.api('/v1/agents/versioned/publish', { method: 'POST', json: { version: 9 } })).status).toBe(404);
  });

  it('PATCH replaces the top-level fields given, as a new version, keeping the rest and the secrets', async () => {
    const created = await (await create({ id: 'patched', ...settings({ tools: { webhooks: [webhook({ secret: SECRET })] } }) })).json();
    const patch = (json: unknown, etag?: string, query = '') => t.api(`/v1/agents/patched${query}`, { method: 'PATCH', json, headers: etag ? { 'if-match': etag } : {} });
    expect((await patch({ greeting: 'patched hello' })).status).toBe(428);
    const patched = await patch({ greeting: 'patched hello', turn: { silenceMs: 800, eagerness: 0.2 } }, created.etag, '?publish=true');
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ latestVersion: 2, publishedVersion: 2, config: { greeting: 'patched hello', name: 'Demo receptionist', turn: { silenceMs: 800 } } });
    expect(await (await t.internal(`/internal/agents/${t.tenantId}/patched`)).json()).toMatchObject({ version: 2, greeting: 'patched hello', tools: { webhooks: [{ secret: SECRET }] } });
    expect((await patch({ greeting: 'stale' }, created.etag)).status).toBe(412);
    const current = (await (await t.api('/v1/agents/patched')).json()).etag;
    expect(await (await patch({}, current)).json()).toMatchObject({ code: 'validation' });
    expect(await (await patch({ greting: 'typo' }, current)).json()).toMatchObject({ code: 'validation', path: '$.greting' });
    expect(await (await patch({ turn: { silenceMs: 800 } }, current)).json()).toMatchObject({ code: 'validation', path: '$.turn.eagerness' });
  });

  it("carries an agent's own per-call cap through its versions, and refuses a negative or fractional one", async () => {
    const created = await create({ id: 'capped', ...settings({ limits: { callCapPaise: 300 } }) });
    expect(created.status).toBe(201);
    const v1 = await created.json();
    expect(v1.config.limits).toEqual({ callCapPaise: 300 });
    const v2 = await (await put('capped', settings({ limits: { callCapPaise: 150 } }), v1.etag)).json();
    expect(v2).toMatchObject({ latestVersion: 2, publishedVersion: 1, config: { limits: { callCapPaise: 150 } } });
    // The edge gets the published version's cap: version 1's until version 2 is published.
    expect((await (await t.internal(`/internal/agents/${t.tenantId}/capped`)).json()).limits).toEqual({ callCapPaise: 300 });
    const patch = (json: unknown, etag: string) => t.api('/v1/agents/capped?publish=true', { method: 'PATCH', json, headers: { 'if-match': etag } });
    const v3 = await (await patch({ greeting: 'hello again' }, v2.etag)).json();
    expect(v3).toMatchObject({ latestVersion: 3, publishedVersion: 3, config: { greeting: 'hello again', limits: { callCapPaise: 150 } } });
    expect((await (await t.internal(`/internal/agents/${t.tenantId}/capped`)).json()).limits).toEqual({ callCapPaise: 150 });
    const v4 = await (await patch({ limits: {} }, v3.etag)).json();
    expect(v4.config.limits).toEqual({});
    expect((await (await t.api('/v1/agents/capped/versions/2')).json()).config.limits).toEqual({ callCapPaise: 150 });

    const refused = async (response: Response) => {
      expect(response.status).toBe(400);
      const body = await response.json();
      expect(body).toEqual({ code: 'validation', path: '$.limits.callCapPaise', error: '$.limits.callCapPaise: "limits.callCapPaise" must be a whole number of paise, 0 or more' });
    };
    for (const cap of [-1, 2.5, '100']) {
      await refused(await create(settings({ name: `bad cap ${cap}`, limits: { callCapPaise: cap } })));
      await refused(await put('capped', settings({ limits: { callCapPaise: cap } }), v4.etag));
      await refused(await patch({ limits: { callCapPaise: cap } }, v4.etag));
    }
    const unknown = await patch({ limits: { monthlyCapPaise: 100 } }, v4.etag);
    expect(await unknown.json()).toMatchObject({ code: 'validation', path: '$.limits.monthlyCapPaise' });
    expect((await (await t.api('/v1/agents/capped')).json()).latestVersion).toBe(4);
  });

  it('pages versions with a cursor', async () => {
    let etag = (await (await create({ id: 'many-versions', ...settings() })).json()).etag;
    for (let i = 0; i < 4; i++) etag = (await (await put('many-versions', settings({ greeting: `v${i + 2}` }), etag)).json()).etag;
    const first = await (await t.api('/v1/agents/many-versions/versions?limit=2')).json();
    expect(first.items.map((v: { version: number }) => v.version)).toEqual([5, 4]);
    const second = await (await t.api(`/v1/agents/many-versions/versions?limit=2&cursor=${first.nextCursor}`)).json();
    expect(second.items.map((v: { version: number }) => v.version)).toEqual([3, 2]);
    const third = await (await t.api(`/v1/agents/many-versions/versions?limit=2&cursor=${second.nextCursor}`)).json();
    expect(third).toMatchObject({ items: [{ version: 1 }], nextCursor: null });
  });

  it('needs If-Match on PUT (428) and refuses a stale one (412): two editors cannot silently overwrite', async () => {
    const created = await (await create({ id: 'contested', ...settings() })).json();
    const missing = await put('contested', settings({ greeting: 'no precondition' }));
    expect(missing.status).toBe(428);
    expect((await missing.json()).code).toBe('precondition_required');
    // Two editors read the same version; the first to save wins, the second gets 412.
    const [first, second] = await Promise.all([
      put('contested', settings({ greeting: 'editor A' }), created.etag),
      put('contested', settings({ greeting: 'editor B' }), created.etag),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 412]);
    const loser = first.status === 412 ? first : second;
    expect((await loser.json()).code).toBe('precondition_failed');
    const now = await (await t.api('/v1/agents/contested')).json();
    expect(now.latestVersion).toBe(2);
    // A stale ETag stays stale; the weak form of the current one matches.
    expect((await put('contested', settings(), created.etag)).status).toBe(412);
    expect((await put('contested', settings({ greeting: 'weak' }), `W/${now.etag}`)).status).toBe(200);
    // A publish with a stale If-Match is refused too.
    expect((await t.api('/v1/agents/contested/publish', { method: 'POST', json: { version: 1 }, headers: { 'if-match': now.etag } })).status).toBe(412);
  });

  it('never returns webhook secrets; an update that omits one keeps it; a new tool needs one', async () => {
    const created = await create({ id: 'hooks', ...settings({ tools: { webhooks: [webhook({ secret: SECRET })] } }) });
    expect(created.status).toBe(201);
    const agent = await created.json();
    expect(JSON.stringify(agent)).not.toContain(SECRET);
    expect(agent.config.tools.webhooks[0]).toMatchObject({ name: 'lookup', secretSet: true });
    expect(agent.config.tools.webhooks[0]).not.toHaveProperty('secret');
    for (const path of ['/v1/agents/hooks', '/v1/agents', '/v1/agents?q=hooks', '/v1/agents/hooks/versions/1', '/v1/agents/hooks/versions']) {
      expect(await (await t.api(path)).text(), path).not.toContain(SECRET);
    }
    // Update without the secret: kept (the edge still gets it); the response still hides it.
    const updated = await put('hooks', settings({ greeting: 'kept', tools: { webhooks: [webhook({ description: 'changed' })] } }), agent.etag, '?publish=true');
    expect(updated.status).toBe(200);
    const v2 = await updated.json();
    expect(JSON.stringify(v2)).not.toContain(SECRET);
    const edge = await (await t.internal(`/internal/agents/${t.tenantId}/hooks`)).json();
    expect(edge).toMatchObject({ version: 2, tools: { webhooks: [{ name: 'lookup', description: 'changed', secret: SECRET }] } });
    expect(validateAgentConfig(edge)).toEqual([]);
    // A tool the agent did not have needs its secret.
    const newTool = await put('hooks', settings({ tools: { webhooks: [webhook(), webhook({ name: 'another' })] } }), v2.etag);
    expect(newTool.status).toBe(400);
    expect(await newTool.json()).toMatchObject({ code: 'validation', path: '$.tools.webhooks[1].secret' });
    // Writing the secret back out is refused as an unknown field (the API never takes `secretSet` either).
    const echoed = await put('hooks', settings({ tools: { webhooks: [webhook({ secretSet: true })] } }), v2.etag);
    expect(echoed.status).toBe(400);
    expect((await echoed.json()).path).toBe('$.tools.webhooks[0].secretSet');
  });

  it('lists by name with search and cursor pagination', async () => {
    for (const name of ['Zeta support', 'Alpha support', 'Beta sales', 'gamma SUPPORT']) expect((await create(settings({ name }))).status).toBe(201);
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { name: string }[]; nextCursor: string | null } = await (await t.api(`/v1/agents?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      all.push(...page.items.map((a) => a.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(all).toEqual([...all].sort());
    expect(all).toEqual(expect.arrayContaining(['Zeta support', 'Alpha support', 'Beta sales', 'gamma SUPPORT', 'Demo receptionist']));
    const found = await (await t.api('/v1/agents?q=Support')).json();
    expect(found.items.map((a: { name: string }) => a.name)).toEqual(['Alpha support', 'Zeta support', 'gamma SUPPORT']);
    expect(found.nextCursor).toBeNull();
    // % and _ are letters in a search, not patterns.
    expect((await (await t.api('/v1/agents?q=%25')).json()).items).toEqual([]);
    expect((await t.api('/v1/agents?cursor=not-a-cursor')).status).toBe(400);
  });

  it('deletes an agent and its versions', async () => {
    await create({ id: 'doomed', ...settings() });
    const deleted = await t.api('/v1/agents/doomed', { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect((await t.api('/v1/agents/doomed')).status).toBe(404);
    expect((await t.api('/v1/agents/doomed/versions/1')).status).toBe(404);
    expect((await t.internal(`/internal/agents/${t.tenantId}/doomed`)).status).toBe(404);
    expect((await t.api('/v1/agents/doomed', { method: 'DELETE' })).status).toBe(404);
  });

  it('answers bad input with 400 and the JSON path of the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [settings({ turn: { silenceMs: 600, eagerness: 7 } }), '$.turn.eagerness'],
      [settings({ turn: { silenceMs: 600, eagerness: 0.5, speculative: true } }), '$.turn.speculative'],
      [settings({ turn: { silenceMs: 600, eagerness: 0.5, overlap: 'mute' } }), '$.turn.overlap'],
      [settings({ language: 'English!' }), '$.language'],
      [settings({ unknownField: 1 }), '$.unknownField'],
      [settings({ llm: { provider: 'auto', apiKey: 'x' } }), '$.llm.apiKey'],
      [settings({ asr: { provider: 'stream' } }), '$.asr.url'],
      [settings({ tools: { webhooks: [webhook({ secret: SECRET }), webhook({ secret: SECRET })] } }), '$.tools.webhooks[1].name'],
      [{ ...settings(), name: undefined }, '$.name'],
      [{ id: 'bad id!', ...settings() }, '$.id'],
    ];
    for (const [body, path] of cases) {
      const response = await create(body);
      expect(response.status, path).toBe(400);
      expect(await response.json(), path).toMatchObject({ code: 'validation', path });
    }
    const created = await (await create({ id: 'validated', ...settings() })).json();
    const badUpdate = await put('validated', settings({ fillers: 'not a list' }), created.etag);
    expect(badUpdate.status).toBe(400);
    expect((await badUpdate.json()).path).toBe('$.fillers');
    expect((await t.api('/v1/agents/validated/versions/zero')).status).toBe(400);
  });

  it('keeps SQL-shaped names and ids as data', async () => {
    const name = "Robert'); DROP TABLE agents; --";
    const created = await create(settings({ name }));
    expect(created.status).toBe(201);
    const agent = await created.json();
    expect((await (await t.api(`/v1/agents/${agent.id}`)).json()).name).toBe(name);
    expect((await (await t.api(`/v1/agents?q=${encodeURIComponent("'); DROP")}`)).json()).items.map((a: { name: string }) => a.name)).toEqual([name]);
    expect((await t.api(`/v1/agents/${encodeURIComponent("x' OR '1'='1")}`)).status).toBe(400);
    expect((await t.api('/v1/agents/demo')).status).toBe(200);
  });

  it('checks scopes: reading needs agents:read, writing agents:write', async () => {
    const reader = await t.keyWith(['agents:read']);
    expect((await t.api('/v1/agents', { as: reader })).status).toBe(200);
    expect((await create(settings(), reader)).status).toBe(403);
    const viewer = await t.tokenFor('viewer');
    expect((await t.api('/v1/agents/demo', { as: viewer })).status).toBe(200);
    expect((await t.api('/v1/agents/demo', { method: 'DELETE', as: viewer })).status).toBe(403);
    const numbersOnly = await t.keyWith(['numbers:read']);
    expect((await t.api('/v1/agents', { as: numbersOnly })).status).toBe(403);
  });

  it("answers for another tenant's agents as if they did not exist", async () => {
    const other = await t.newTenant();
    const theirs = await (await create({ id: 'theirs', ...settings({ name: 'Their agent' }) }, other.apiKey)).json();
    expect((await t.api('/v1/agents/theirs')).status).toBe(404);
    expect((await t.api('/v1/agents/theirs/versions')).status).toBe(404);
    expect((await t.api('/v1/agents/theirs/versions/1')).status).toBe(404);
    expect((await put('theirs', settings(), theirs.etag)).status).toBe(404);
    expect((await t.api('/v1/agents/theirs/publish', { method: 'POST', json: { version: 1 } })).status).toBe(404);
    expect((await t.api('/v1/agents/theirs', { method: 'DELETE' })).status).toBe(404);
    expect((await (await t.api('/v1/agents?q=Their')).json()).items).toEqual([]);
    // The same id in two tenants is two agents.
    expect((await create({ id: 'theirs', ...settings({ name: 'Ours' }) })).status).toBe(201);
    expect((await (await t.api('/v1/agents/theirs', { as: other.apiKey })).json()).name).toBe('Their agent');
  });
});
