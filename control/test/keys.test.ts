// API keys: shown once, hashed at rest, scoped no wider than their creator, revocable, last-used, rate limited per
// key; and the internal look-up an edge makes for a media socket authenticated by a key. On SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, INTERNAL_TOKEN, startTestControl, type TestControl } from './helpers/test-control.ts';

describe.each(dialects())('API keys on %s', (dialect) => {
  let t: TestControl;
  beforeAll(async () => { t = await startTestControl(dialect); });
  afterAll(async () => { await t?.close(); });

  const create = (json: unknown, as = t.apiKey) => t.api('/v1/keys', { method: 'POST', json, as });

  it('creates a key whose secret is answered once and works at once', async () => {
    const response = await create({ name: 'dialer', scopes: ['agents:read', 'calls:read'] });
    expect(response.status).toBe(201);
    const { key, secret } = await response.json();
    expect(secret.startsWith(`${key.prefix}_`)).toBe(true);
    expect(key).toMatchObject({ name: 'dialer', scopes: ['agents:read', 'calls:read'], lastUsedAt: null, revokedAt: null });
    expect(key.id).toMatch(/^key_/);
    expect((await t.api('/v1/tenant', { as: secret })).status).toBe(200);
  });

  it('never shows the secret or its hash again: not in the list, not in one key, not in the database', async () => {
    const { key, secret } = await (await create({ name: 'hidden', scopes: ['calls:read'] })).json();
    const listText = await (await t.api('/v1/keys')).text();
    const oneText = await (await t.api(`/v1/keys/${key.id}`)).text();
    for (const text of [listText, oneText]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice(key.prefix.length + 1));
      expect(text).not.toMatch(/"(hash|secret)"/);
    }
    expect(JSON.parse(listText).items.map((k: { id: string }) => k.id)).toContain(key.id);
    expect(Object.keys(JSON.parse(oneText)).sort()).toEqual(['createdAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt', 'scopes']);
    const row = await t.control.ctx.database.db.selectFrom('api_keys').selectAll().where('id', '=', key.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(secret.slice(key.prefix.length + 1));
  });

  it('records when a key was last used', async () => {
    const { key, secret } = await (await create({ name: 'used', scopes: ['agents:read'] })).json();
    const before = Date.now();
    expect((await t.api('/v1/tenant', { as: secret })).status).toBe(200);
    const seen = await (await t.api(`/v1/keys/${key.id}`)).json();
    expect(Date.parse(seen.lastUsedAt)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('refuses a route to a key without its scope (403)', async () => {
    const { secret } = await (await create({ name: 'reader', scopes: ['agents:read'] })).json();
    const response = await t.api('/v1/keys', { as: secret });
    expect(response.status).toBe(403);
    expect((await response.json()).error).toMatch(/keys:read/);
  });

  it('refuses to give a key scopes its creator lacks (403)', async () => {
    const admin = await t.tokenFor('admin');
    expect((await create({ name: 'ok', scopes: ['agents:write', 'media'] }, admin)).status).toBe(201);
    const wider = await create({ name: 'too wide', scopes: ['agents:read', 'users:write'] }, admin);
    expect(wider.status).toBe(403);
    expect((await wider.json()).error).toMatch(/users:write/);
    const keyWriter = await t.keyWith(['keys:write']);
    expect((await create({ name: 'escalate', scopes: ['agents:write'] }, keyWriter)).status).toBe(403);
    expect((await create({ name: 'same', scopes: ['keys:write'] }, keyWriter)).status).toBe(201);
  });

  it('refuses key management to a viewer (403) and listing to a viewer', async () => {
    const viewer = await t.tokenFor('viewer');
    expect((await create({ name: 'nope', scopes: ['agents:read'] }, viewer)).status).toBe(403);
    expect((await t.api('/v1/keys', { as: viewer })).status).toBe(403);
  });

  it('revokes a key: it gets 401 from then on, and the list shows when', async () => {
    const { key, secret } = await (await create({ name: 'to revoke', scopes: ['agents:read'] })).json();
    expect((await t.api('/v1/tenant', { as: secret })).status).toBe(200);
    expect((await t.api(`/v1/keys/${key.id}`, { method: 'DELETE' })).status).toBe(204);
    const refused = await t.api('/v1/tenant', { as: secret });
    expect(refused.status).toBe(401);
    expect((await refused.json()).error).toMatch(/revoked/);
    const listed = (await (await t.api('/v1/keys')).json()).items.find((k: { id: string }) => k.id === key.id);
    expect(listed.revokedAt).not.toBeNull();
    expect((await t.api(`/v1/keys/${key.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.api('/v1/keys/key_nope', { method: 'DELETE' })).status).toBe(404);
  });

  it("does not see or touch another tenant's keys", async () => {
    const other = await t.newTenant();
    const { key } = await (await create({ name: 'theirs', scopes: ['agents:read'] }, other.apiKey)).json();
    expect((await t.api(`/v1/keys/${key.id}`)).status).toBe(404);
    expect((await t.api(`/v1/keys/${key.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await (await t.api('/v1/keys')).json()).items.map((k: { id: string }) => k.id)).not.toContain(key.id);
    expect((await (await t.api(`/v1/keys/${key.id}`, { as: other.apiKey })).json()).revokedAt).toBeNull();
  });

  describe('bad input', () => {
    it('rejects unknown fields, unknown scopes and empty scope lists with their path', async () => {
      const extra = await create({ name: 'x', scopes: ['media'], tenantId: 'default' });
      expect(extra.status).toBe(400);
      expect(await extra.json()).toMatchObject({ code: 'validation', path: '$.tenantId' });
      const unknown = await create({ name: 'x', scopes: ['media', 'root'] });
      expect(unknown.status).toBe(400);
      expect((await unknown.json()).path).toBe('$.scopes[1]');
      expect((await (await create({ name: 'x', scopes: [] })).json()).path).toBe('$.scopes');
      expect((await (await create({ name: '', scopes: ['media'] })).json()).path).toBe('$.name');
      expect((await (await create({ name: 'x'.repeat(201), scopes: ['media'] })).json()).path).toBe('$.name');
    });

    it('answers 413 for a body over the limit', async () => {
      const response = await create({ name: 'x'.repeat(300 * 1024), scopes: ['media'] });
      expect(response.status).toBe(413);
    });

    it('keeps a SQL-shaped name as data', async () => {
      const name = "x'); DROP TABLE api_keys;--";
      const { key } = await (await create({ name, scopes: ['media'] })).json();
      expect((await (await t.api(`/v1/keys/${key.id}`)).json()).name).toBe(name);
      expect((await t.api('/v1/keys')).status).toBe(200);
    });

    it('answers 404 for a SQL-shaped key id, and 414 or 404 for one past the router\'s 100 characters', async () => {
      expect((await t.api(`/v1/keys/${encodeURIComponent("' OR 1=1 --")}`)).status).toBe(404);
      expect((await t.api(`/v1/keys/${'k'.repeat(100)}`)).status).toBe(404);
      // 414 from the router; 404 when the dashboard's catch-all route is registered (a built dashboard): never the key.
      expect([404, 414]).toContain((await fetch(`${t.url}/v1/keys/${'k'.repeat(101)}`, { headers: { authorization: `Bearer ${t.apiKey}` } })).status);
    });
  });

  describe('GET /internal/tenant-for-key (the edge, for media sockets)', () => {
    // The same request the edge's ControlAgentSource.tenantForApiKey makes.
    const lookUp = (key: string | undefined, internalToken = INTERNAL_TOKEN) => fetch(`${t.internalUrl}/internal/tenant-for-key`, {
      headers: { 'x-invorto-internal': internalToken, ...(key === undefined ? {} : { 'x-api-key': key }) },
    });

    it('answers the tenant of a key with the media scope', async () => {
      const other = await t.newTenant();
      const key = await t.keyWith(['media', 'calls:read'], other.tenantId);
      const response = await lookUp(key);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ tenantId: other.tenantId, scopes: ['calls:read', 'media'] });
    });

    it('refuses a key without the media scope (403), and unknown, revoked or missing keys (401)', async () => {
      expect((await lookUp(await t.keyWith(['agents:read']))).status).toBe(403);
      expect((await lookUp('ivk_unknown_key')).status).toBe(401);
      expect((await lookUp('')).status).toBe(401);
      expect((await lookUp(undefined)).status).toBe(401);
      const { key, secret } = await (await create({ name: 'revoked media', scopes: ['media'] })).json();
      expect((await lookUp(secret)).status).toBe(200);
      await t.api(`/v1/keys/${key.id}`, { method: 'DELETE' });
      expect((await lookUp(secret)).status).toBe(401);
    });

    it('needs the internal token and is not on the public port', async () => {
      const key = await t.keyWith(['media']);
      expect((await lookUp(key, 'wrong')).status).toBe(401);
      expect((await fetch(`${t.url}/internal/tenant-for-key`, { headers: { 'x-invorto-internal': INTERNAL_TOKEN, 'x-api-key': key } })).status).toBe(404);
    });
  });
});

describe.each(dialects())('per-key rate limit on %s', (dialect) => {
  let t: TestControl;
  beforeAll(async () => { t = await startTestControl(dialect, { settings: { rateLimitPerMin: 5 } }); });
  afterAll(async () => { await t?.close(); });

  it('answers 429 to a key over its requests per minute, and other keys go on', async () => {
    const busy = await t.keyWith(['agents:read']);
    const quiet = await t.keyWith(['agents:read']);
    for (let i = 0; i < 5; i++) expect((await t.api('/v1/tenant', { as: busy })).status).toBe(200);
    const limited = await t.api('/v1/tenant', { as: busy });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ code: 'rate_limited' });
    expect(limited.headers.get('retry-after')).toBeTruthy();
    expect((await t.api('/v1/tenant', { as: quiet })).status).toBe(200);
  });
});
