// Access tokens already handed out follow the person's standing within seconds: a demotion narrows them, a removal
// or a password change ends them (without this they would live their whole lifetime, 15 minutes by default).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, startTestControl, type TestControl } from './helpers/test-control.ts';

const settle = () => new Promise((r) => setTimeout(r, 2_100));

describe.each(dialects())('access tokens and standing on %s', (dialect) => {
  let t: TestControl;
  beforeAll(async () => { t = await startTestControl(dialect); });
  afterAll(async () => { await t.close(); });

  async function person(role: 'admin' | 'viewer') {
    const email = `${role}-${Math.random().toString(36).slice(2)}@example.test`;
    const created = await (await t.api('/v1/users', { method: 'POST', json: { email, role } })).json();
    const login = await (await t.api('/v1/auth/login', { method: 'POST', json: { email, password: created.password } })).json();
    return { id: created.user?.id ?? created.id ?? created.userId, email, password: created.password as string, token: login.accessToken as string };
  }

  it('a demoted admin loses write access with the token they hold', async () => {
    const admin = await person('admin');
    expect((await t.api('/v1/keys', { as: admin.token })).status).toBe(200);
    expect((await t.api(`/v1/users/${admin.id}`, { method: 'PATCH', json: { role: 'viewer' } })).status).toBe(200);
    await settle();
    expect((await t.api('/v1/keys', { as: admin.token })).status).toBe(403);
    expect((await t.api('/v1/agents', { as: admin.token })).status).toBe(200);
  });

  it('a removed person is refused with the token they hold', async () => {
    const viewer = await person('viewer');
    expect((await t.api('/v1/agents', { as: viewer.token })).status).toBe(200);
    expect((await t.api(`/v1/users/${viewer.id}`, { method: 'DELETE' })).status).toBeLessThan(300);
    await settle();
    expect((await t.api('/v1/agents', { as: viewer.token })).status).toBe(401);
  });

  it('a password change ends the tokens issued before it', async () => {
    const viewer = await person('viewer');
    await new Promise((r) => setTimeout(r, 1_100));
    const changed = await t.api('/v1/auth/password', { method: 'POST', as: viewer.token, json: { currentPassword: viewer.password, newPassword: 'a brand new passphrase' } });
    expect(changed.status).toBe(200);
    const fresh = (await changed.json()).accessToken;
    await settle();
    expect((await t.api('/v1/agents', { as: viewer.token })).status).toBe(401);
    expect((await t.api('/v1/agents', { as: fresh })).status).toBe(200);
  });
});
