// Logins: access + refresh tokens, rotation and reuse detection, logout, password change, the login rate limit, and
// every way a bad token is refused. On SQLite and PostgreSQL.
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessTokens } from '../src/plugins/auth.ts';
import { TenantService } from '../src/modules/tenants/service.ts';
import type { Role } from '../src/modules/tenants/tables.ts';
import { dialects, startTestControl, type TestControl } from './helpers/test-control.ts';

const PASSWORD = 'correct horse battery staple';

describe.each(dialects())('logins on %s', (dialect) => {
  let t: TestControl;
  beforeAll(async () => { t = await startTestControl(dialect); });
  afterAll(async () => { await t?.close(); });

  /** A new person with a known password; the email is unique, so each test has its own login rate-limit budget. */
  async function person(role: Role = 'admin', tenantId = t.tenantId) {
    const email = `p-${randomBytes(4).toString('hex')}@example.test`;
    const { userId } = await new TenantService(t.control.ctx.database.db).addPerson(tenantId, email, role, PASSWORD);
    return { email, userId };
  }
  const post = (path: string, json: unknown, as = '') => t.api(path, { method: 'POST', json, as });
  const login = (json: Record<string, unknown>) => post('/v1/auth/login', json);
  const refresh = (refreshToken: string) => post('/v1/auth/refresh', { refreshToken });

  it('logs in with email and password: an access token that works and a refresh token', async () => {
    const { email, userId } = await person('admin');
    const response = await login({ email: email.toUpperCase(), password: PASSWORD });
    expect(response.status).toBe(200);
    const session = await response.json();
    expect(session).toMatchObject({ tenantId: t.tenantId, role: 'admin', user: { id: userId, email }, expiresIn: 900 });
    expect(session.refreshToken).toMatch(/^ivr_/);
    const me = await (await t.api('/v1/auth/me', { as: session.accessToken })).json();
    expect(me).toMatchObject({ kind: 'user', tenantId: t.tenantId, role: 'admin', user: { id: userId, email }, keyId: null });
    expect(me.scopes).toContain('keys:write');
    expect(me.scopes).not.toContain('users:write');
    expect(me.tenants).toEqual([{ tenantId: t.tenantId, name: 'Default tenant', role: 'admin' }]);
    expect((await t.api('/v1/tenant', { as: session.accessToken })).status).toBe(200);
  });

  it('stores refresh tokens hashed, never as given', async () => {
    const { email } = await person();
    const session = await (await login({ email, password: PASSWORD })).json();
    const rows = await t.control.ctx.database.db.selectFrom('refresh_tokens').select('hash').execute();
    expect(rows.some((r) => r.hash.includes(session.refreshToken) || session.refreshToken.includes(r.hash))).toBe(false);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.hash))).toBe(true);
  });

  it('answers a wrong password and an unknown email the same, after the same argon2 work', async () => {
    const people = await Promise.all([0, 1, 2, 3, 4].map(() => person()));
    const timed = async (body: Record<string, unknown>) => {
      const started = performance.now();
      const response = await login(body);
      return { ms: performance.now() - started, status: response.status, body: await response.json() };
    };
    const wrong = [], unknown = [];
    for (const p of people) {
      wrong.push(await timed({ email: p.email, password: 'not the password' }));
      unknown.push(await timed({ email: `nobody-${randomBytes(4).toString('hex')}@example.test`, password: 'not the password' }));
    }
    for (const r of [...wrong, ...unknown]) expect(r).toMatchObject({ status: 401, body: { error: 'wrong email or password', code: 'unauthorized' } });
    const median = (rs: { ms: number }[]) => rs.map((r) => r.ms).sort((a, b) => a - b)[2];
    // Without the dummy verify an unknown email answers in ~1 ms against ~20-50 ms for a wrong password.
    expect(median(unknown)).toBeGreaterThan(median(wrong) * 0.3);
  });

  it('logs in to the tenant asked for, and refuses one the person is not in with the same answer', async () => {
    const other = await t.newTenant('Second tenant');
    const { email, userId } = await person('viewer');
    await new TenantService(t.control.ctx.database.db).addPerson(other.tenantId, email, 'owner');
    expect(await (await login({ email, password: PASSWORD })).json()).toMatchObject({ tenantId: t.tenantId, role: 'viewer' });
    const second = await (await login({ email, password: PASSWORD, tenantId: other.tenantId })).json();
    expect(second).toMatchObject({ tenantId: other.tenantId, role: 'owner', user: { id: userId } });
    const me = await (await t.api('/v1/auth/me', { as: second.accessToken })).json();
    expect(me.tenants.map((m: { tenantId: string }) => m.tenantId).sort()).toEqual([t.tenantId, other.tenantId].sort());
    const stranger = await login({ email, password: PASSWORD, tenantId: 'ten_nope' });
    expect(stranger.status).toBe(401);
    expect((await stranger.json()).error).toBe('wrong email or password');
  });

  it('rotates refresh tokens: each is single use, and the new pair works', async () => {
    const { email } = await person();
    const first = await (await login({ email, password: PASSWORD })).json();
    const response = await refresh(first.refreshToken);
    expect(response.status).toBe(200);
    const second = await response.json();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second).toMatchObject({ tenantId: first.tenantId, role: first.role, user: first.user });
    expect((await t.api('/v1/auth/me', { as: second.accessToken })).status).toBe(200);
    const third = await refresh(second.refreshToken);
    expect(third.status).toBe(200);
  });

  it('revokes the whole family when a rotated refresh token is presented again', async () => {
    const { email } = await person();
    const stolen = await (await login({ email, password: PASSWORD })).json();
    const elsewhere = await (await login({ email, password: PASSWORD })).json();
    const legit = await (await refresh(stolen.refreshToken)).json();
    const replay = await refresh(stolen.refreshToken);
    expect(replay.status).toBe(401);
    expect((await replay.json()).error).toMatch(/already used/);
    // The thief's replay ended the chain: the legitimate holder's next token is dead too…
    const after = await refresh(legit.refreshToken);
    expect(after.status).toBe(401);
    expect((await after.json()).error).toMatch(/revoked/);
    // …but another login of the same person (another family) goes on.
    expect((await refresh(elsewhere.refreshToken)).status).toBe(200);
  });

  it('refuses unknown and expired refresh tokens', async () => {
    expect((await refresh(`ivr_${randomBytes(32).toString('base64url')}`)).status).toBe(401);
    const { email, userId } = await person();
    const session = await (await login({ email, password: PASSWORD })).json();
    await t.control.ctx.database.db.updateTable('refresh_tokens').set({ expires_at: Date.now() - 1000 }).where('user_id', '=', userId).execute();
    const expired = await refresh(session.refreshToken);
    expect(expired.status).toBe(401);
    expect((await expired.json()).error).toMatch(/expired/);
  });

  it('logs out: the refresh token and its family are revoked, other logins stay', async () => {
    const { email } = await person();
    const one = await (await login({ email, password: PASSWORD })).json();
    const two = await (await login({ email, password: PASSWORD })).json();
    const rotated = await (await refresh(one.refreshToken)).json();
    const out = await post('/v1/auth/logout', { refreshToken: rotated.refreshToken });
    expect(out.status).toBe(204);
    expect((await refresh(rotated.refreshToken)).status).toBe(401);
    expect((await refresh(two.refreshToken)).status).toBe(200);
    // Logging out twice, or with a token never issued, is not an error.
    expect((await post('/v1/auth/logout', { refreshToken: rotated.refreshToken })).status).toBe(204);
    expect((await post('/v1/auth/logout', { refreshToken: 'ivr_never' })).status).toBe(204);
  });

  it("changes the caller's password and ends their other logins", async () => {
    const { email } = await person();
    const session = await (await login({ email, password: PASSWORD })).json();
    const other = await (await login({ email, password: PASSWORD })).json();
    const change = (json: unknown, as = session.accessToken) => post('/v1/auth/password', json, as);

    const wrong = await change({ currentPassword: 'not it at all', newPassword: 'a brand new password' });
    expect(wrong.status).toBe(403);
    const short = await change({ currentPassword: PASSWORD, newPassword: 'short' });
    expect(short.status).toBe(400);
    expect((await short.json()).path).toBe('$.newPassword');
    const same = await change({ currentPassword: PASSWORD, newPassword: PASSWORD });
    expect(same.status).toBe(400);

    const changed = await change({ currentPassword: PASSWORD, newPassword: 'a brand new password' });
    expect(changed.status).toBe(200);
    const fresh = await changed.json();
    expect((await refresh(session.refreshToken)).status).toBe(401);
    expect((await refresh(other.refreshToken)).status).toBe(401);
    expect((await refresh(fresh.refreshToken)).status).toBe(200);
    expect((await login({ email, password: PASSWORD })).status).toBe(401);
    expect((await login({ email, password: 'a brand new password' })).status).toBe(200);
  });

  it('refuses a password change from an API key or without credentials', async () => {
    const body = { currentPassword: PASSWORD, newPassword: 'a brand new password' };
    expect((await post('/v1/auth/password', body, t.apiKey)).status).toBe(403);
    expect((await t.api('/v1/auth/password', { method: 'POST', json: body, headers: { authorization: '' } })).status).toBe(401);
  });

  it('tells an API key who it is', async () => {
    const key = await t.keyWith(['calls:read', 'agents:read']);
    const me = await (await t.api('/v1/auth/me', { as: key })).json();
    expect(me).toMatchObject({ kind: 'key', tenantId: t.tenantId, role: null, user: null, scopes: ['agents:read', 'calls:read'], tenants: [] });
    expect(me.keyId).toMatch(/^key_/);
  });

  it('limits logins per email and address: the 11th attempt in a minute answers 429', async () => {
    const { email } = await person();
    for (let i = 0; i < 10; i++) expect((await login({ email, password: `guess ${i}` })).status).toBe(401);
    const limited = await login({ email, password: PASSWORD });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ code: 'rate_limited' });
    expect(limited.headers.get('retry-after')).toBeTruthy();
    // Another email from the same address still gets its own attempts.
    const { email: next } = await person();
    expect((await login({ email: next, password: PASSWORD })).status).toBe(200);
  });

  describe('bad tokens answer 401', () => {
    const claimsFor = async () => ({ userId: (await person()).userId, tenantId: t.tenantId, role: 'admin' as const });
    const status = async (token: string) => (await t.api('/v1/tenant', { as: token })).status;

    it('signed with another secret (forged)', async () => {
      const forged = await new AccessTokens('another secret that is long enough to sign with', 900).issue(await claimsFor());
      expect(await status(forged)).toBe(401);
    });

    it('expired', async () => {
      const expired = await t.control.ctx.tokens.issue(await claimsFor(), Date.now() - 3600_000);
      const response = await t.api('/v1/tenant', { as: expired });
      expect(response.status).toBe(401);
      expect((await response.json()).error).toMatch(/expired/);
    });

    it('unsigned (alg none), tampered, garbage or missing', async () => {
      const claims = await claimsFor();
      const valid = await t.control.ctx.tokens.issue(claims);
      const [header, payload] = valid.split('.');
      const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;
      expect(await status(none)).toBe(401);
      const owner = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), role: 'owner' })).toString('base64url');
      expect(await status(`${header}.${owner}.${valid.split('.')[2]}`)).toBe(401);
      expect(await status('not-a-jwt')).toBe(401);
      expect((await t.api('/v1/tenant', { headers: { authorization: '' } })).status).toBe(401);
      expect(await status(valid)).toBe(200);
    });

    it('a refresh token or a token of another kind used as an access token', async () => {
      const { email } = await person();
      const session = await (await login({ email, password: PASSWORD })).json();
      expect(await status(session.refreshToken)).toBe(401);
      const secret = new TextEncoder().encode('x'.repeat(48));
      const other = await new SignJWT({ tid: t.tenantId, role: 'owner', typ: 'refresh' }).setProtectedHeader({ alg: 'HS256' }).setSubject('usr_x').sign(secret);
      expect(await status(other)).toBe(401);
    });
  });

  describe('bad input', () => {
    it('rejects unknown fields with their path', async () => {
      const response = await login({ email: 'a@b.io', password: 'x', admin: true });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'validation', path: '$.admin' });
    });

    it('rejects a missing field with its path', async () => {
      const response = await login({ email: 'a@b.io' });
      expect(response.status).toBe(400);
      expect((await response.json()).path).toBe('$.password');
    });

    it('answers 413 for a body over the limit', async () => {
      const response = await login({ email: 'a@b.io', password: 'x'.repeat(300 * 1024) });
      expect(response.status).toBe(413);
      expect((await response.json()).code).toBe('too_large');
    });

    it('takes SQL-shaped input as data', async () => {
      const response = await login({ email: "a'; DROP TABLE users;--@x.io", password: "' OR '1'='1" });
      expect(response.status).toBe(401);
      const { email } = await person();
      expect((await login({ email, password: PASSWORD })).status).toBe(200);
    });
  });
});

describe.each(dialects())('login limits from settings on %s', (dialect) => {
  let t: TestControl;
  beforeAll(async () => { t = await startTestControl(dialect, { settings: { loginRateLimitPerMin: 2 } }); });
  afterAll(async () => { await t?.close(); });

  const login = (email: string) => t.api('/v1/auth/login', { method: 'POST', json: { email, password: 'a guess' }, as: '' });

  it('takes loginRateLimitPerMin per email, and caps one address at ten emails\' worth', async () => {
    const email = `p-${randomBytes(4).toString('hex')}@example.test`;
    expect([(await login(email)).status, (await login(email)).status, (await login(email)).status]).toEqual([401, 401, 429]);
    // 3 attempts so far from this address; 17 more with fresh emails reach the cap of 20, the next is refused.
    for (let i = 0; i < 17; i++) expect((await login(`q${i}-${randomBytes(4).toString('hex')}@example.test`)).status).toBe(401);
    const capped = await login(`fresh-${randomBytes(4).toString('hex')}@example.test`);
    expect(capped.status).toBe(429);
    expect((await capped.json()).error).toMatch(/too many login attempts/);
  });
});
