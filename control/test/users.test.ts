// The people of a tenant: owners add them (a one-time password for a new account), change roles and remove them;
// a tenant never loses its last owner. On SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { TenantService } from '../src/modules/tenants/service.ts';
import { PeopleService } from '../src/modules/users/people.ts';
import { dialects, startTestControl, type TestControl } from './helpers/test-control.ts';

describe.each(dialects())('people on %s', (dialect) => {
  let t: TestControl;
  beforeAll(async () => { t = await startTestControl(dialect); });
  afterAll(async () => { await t?.close(); });

  const email = () => `m-${randomBytes(4).toString('hex')}@example.test`;
  const add = (json: unknown, as: string) => t.api('/v1/users', { method: 'POST', json, as });
  const login = (json: unknown) => t.api('/v1/auth/login', { method: 'POST', json, as: '' });
  /** A fresh tenant with its only owner logged in (people tests change roles, so each gets its own tenant). */
  async function tenantWithOwner() {
    const ownerEmail = email();
    const { tenant, owner } = await new TenantService(t.control.ctx.database.db).createWithOwner('People test', ownerEmail);
    const session = await (await login({ email: ownerEmail, password: owner.password })).json();
    return { tenantId: tenant.id, ownerId: owner.userId, token: session.accessToken as string };
  }

  it('lists the people of the tenant with their roles', async () => {
    const { tenantId, ownerId, token } = await tenantWithOwner();
    const response = await t.api('/v1/users', { as: token });
    expect(response.status).toBe(200);
    const { items } = await response.json();
    expect(items).toEqual([expect.objectContaining({ id: ownerId, role: 'owner' })]);
    expect(JSON.stringify(items)).not.toMatch(/password|hash/i);
    expect((await t.api(`/v1/users/${ownerId}`, { as: token })).status).toBe(200);
    expect(tenantId).toMatch(/^ten_/);
  });

  it('adds a person with a one-time password that logs them in', async () => {
    const { tenantId, token } = await tenantWithOwner();
    const address = email();
    const response = await add({ email: address, role: 'admin' }, token);
    expect(response.status).toBe(201);
    const { user, password } = await response.json();
    expect(user).toMatchObject({ email: address, role: 'admin' });
    expect(password).toMatch(/^[A-Za-z0-9]{16}$/);
    const session = await login({ email: address, password });
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ tenantId, role: 'admin', user: { id: user.id } });
    expect((await (await t.api('/v1/users', { as: token })).json()).items.map((u: { id: string }) => u.id)).toContain(user.id);
    // Twice is a conflict, not a second account.
    expect((await add({ email: address.toUpperCase(), role: 'viewer' }, token)).status).toBe(409);
  });

  it('adds a person who already has an account elsewhere without a new password', async () => {
    const first = await tenantWithOwner();
    const second = await tenantWithOwner();
    const address = email();
    const { password } = await (await add({ email: address, role: 'viewer' }, first.token)).json();
    const again = await (await add({ email: address, role: 'admin' }, second.token)).json();
    expect(again.password).toBeNull();
    expect(await (await login({ email: address, password, tenantId: second.tenantId })).json()).toMatchObject({ tenantId: second.tenantId, role: 'admin' });
  });

  it('changes roles, and refuses to demote the last owner (409)', async () => {
    const { ownerId, token } = await tenantWithOwner();
    const demote = await t.api(`/v1/users/${ownerId}`, { method: 'PATCH', json: { role: 'admin' }, as: token });
    expect(demote.status).toBe(409);
    expect((await demote.json()).error).toMatch(/last owner/);
    const { user } = await (await add({ email: email(), role: 'viewer' }, token)).json();
    const promoted = await t.api(`/v1/users/${user.id}`, { method: 'PATCH', json: { role: 'owner' }, as: token });
    expect(promoted.status).toBe(200);
    expect((await promoted.json()).role).toBe('owner');
    // With two owners, one may step down.
    expect((await (await t.api(`/v1/users/${ownerId}`, { method: 'PATCH', json: { role: 'admin' }, as: token })).json()).role).toBe('admin');
    expect((await t.api(`/v1/users/${user.id}`, { method: 'PATCH', json: { role: 'viewer' }, as: token })).status).toBe(409);
  });

  it('never leaves a tenant without an owner, even when two owners demote each other at once', async () => {
    const { ownerId, token } = await tenantWithOwner();
    const { user } = await (await add({ email: email(), role: 'owner' }, token)).json();
    const results = await Promise.all([ownerId, user.id].map((id) => t.api(`/v1/users/${id}`, { method: 'PATCH', json: { role: 'viewer' }, as: token })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const owners = (await (await t.api('/v1/users', { as: token })).json()).items.filter((u: { role: string }) => u.role === 'owner');
    expect(owners).toHaveLength(1);
    // The same race without HTTP in between, so the two transactions overlap for sure: ten tenants, two owners each.
    const people = new PeopleService(t.control.ctx.database);
    const races = await Promise.all(Array.from({ length: 10 }, async () => {
      const tenant = await tenantWithOwner();
      const second = await people.add(tenant.tenantId, email(), 'owner');
      const outcomes = await Promise.allSettled([tenant.ownerId, second.user.id].map((id) => people.setRole(tenant.tenantId, id, 'viewer')));
      return { fulfilled: outcomes.filter((o) => o.status === 'fulfilled').length, owners: (await people.list(tenant.tenantId)).filter((u) => u.role === 'owner').length };
    }));
    expect(races).toEqual(Array.from({ length: 10 }, () => ({ fulfilled: 1, owners: 1 })));
  });

  it('removes a person: gone from the list, their logins here ended; never the last owner', async () => {
    const { ownerId, token } = await tenantWithOwner();
    const address = email();
    const { user, password } = await (await add({ email: address, role: 'admin' }, token)).json();
    const session = await (await login({ email: address, password })).json();
    expect((await t.api(`/v1/users/${user.id}`, { method: 'DELETE', as: token })).status).toBe(204);
    expect((await t.api(`/v1/users/${user.id}`, { as: token })).status).toBe(404);
    expect((await t.api(`/v1/users/${user.id}`, { method: 'DELETE', as: token })).status).toBe(404);
    expect((await t.api('/v1/auth/refresh', { method: 'POST', json: { refreshToken: session.refreshToken }, as: '' })).status).toBe(401);
    expect((await login({ email: address, password })).status).toBe(401);
    const last = await t.api(`/v1/users/${ownerId}`, { method: 'DELETE', as: token });
    expect(last.status).toBe(409);
  });

  it('lets only owners manage people: admins read, viewers neither (403)', async () => {
    const admin = await t.tokenFor('admin');
    const viewer = await t.tokenFor('viewer');
    expect((await t.api('/v1/users', { as: admin })).status).toBe(200);
    expect((await add({ email: email(), role: 'viewer' }, admin)).status).toBe(403);
    expect((await t.api('/v1/users', { as: viewer })).status).toBe(403);
    const [someone] = (await (await t.api('/v1/users', { as: admin })).json()).items;
    expect((await t.api(`/v1/users/${someone.id}`, { method: 'PATCH', json: { role: 'owner' }, as: admin })).status).toBe(403);
    expect((await t.api(`/v1/users/${someone.id}`, { method: 'DELETE', as: admin })).status).toBe(403);
    const reader = await t.keyWith(['users:read']);
    expect((await t.api('/v1/users', { as: reader })).status).toBe(200);
    expect((await add({ email: email(), role: 'viewer' }, reader)).status).toBe(403);
  });

  it("does not see or touch another tenant's people", async () => {
    const mine = await tenantWithOwner();
    const theirs = await tenantWithOwner();
    expect((await t.api(`/v1/users/${theirs.ownerId}`, { as: mine.token })).status).toBe(404);
    expect((await t.api(`/v1/users/${theirs.ownerId}`, { method: 'PATCH', json: { role: 'viewer' }, as: mine.token })).status).toBe(404);
    expect((await t.api(`/v1/users/${theirs.ownerId}`, { method: 'DELETE', as: mine.token })).status).toBe(404);
    expect((await (await t.api('/v1/users', { as: mine.token })).json()).items.map((u: { id: string }) => u.id)).not.toContain(theirs.ownerId);
    expect((await (await t.api(`/v1/users/${theirs.ownerId}`, { as: theirs.token })).json()).role).toBe('owner');
  });

  describe('bad input', () => {
    it('rejects a bad email, an unknown role and unknown fields with their path', async () => {
      const { token } = await tenantWithOwner();
      expect(await (await add({ email: 'not an email', role: 'admin' }, token)).json()).toMatchObject({ code: 'validation', path: '$.email' });
      expect((await (await add({ email: email(), role: 'superuser' }, token)).json()).path).toBe('$.role');
      expect((await (await add({ email: email(), role: 'admin', password: 'mine' }, token)).json()).path).toBe('$.password');
      expect((await (await t.api('/v1/users/usr_x', { method: 'PATCH', json: {}, as: token })).json()).path).toBe('$.role');
    });

    it('answers 413 for a body over the limit', async () => {
      const { token } = await tenantWithOwner();
      expect((await add({ email: `${'a'.repeat(300 * 1024)}@x.io`, role: 'admin' }, token)).status).toBe(413);
    });

    it('keeps a SQL-shaped email as data: stored, listed and logged in with (emails are kept in lower case)', async () => {
      const { token } = await tenantWithOwner();
      const address = "a'; DROP TABLE users;--@x.io";
      const response = await add({ email: address, role: 'viewer' }, token);
      expect(response.status).toBe(201);
      const { user, password } = await response.json();
      expect(user.email).toBe(address.toLowerCase());
      expect((await (await t.api('/v1/users', { as: token })).json()).items.map((u: { email: string }) => u.email)).toContain(address.toLowerCase());
      expect((await login({ email: address, password })).status).toBe(200);
      expect(Number((await t.control.ctx.database.db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBeGreaterThan(1);
    });
  });
});
