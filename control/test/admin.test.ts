// `invorto admin`, run as a user would run it (node bin/invorto.js) against a control's database, then checked
// through the API: the printed one-time password logs in, a reset ends old logins, a printed key works.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dialects, startTestControl, type DialectName, type TestControl } from './helpers/test-control.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Each run starts a Node process that loads the database drivers through tsx: seconds apiece on a busy machine.
const SLOW = 180_000;

interface Run { code: number; stdout: string; stderr: string }

/** A database of its own on the run's PostgreSQL, so the CLI can be pointed at it with DATABASE_URL. */
async function postgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = inject('postgresUrl');
  const name = `adm_${randomBytes(6).toString('hex')}`;
  const query = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try { await client.query(sql); } finally { await client.end(); }
  };
  await query(`CREATE DATABASE ${name}`);
  return { url: adminUrl.replace(/\/[^/]*$/, `/${name}`), drop: () => query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

describe.each(dialects())('invorto admin on %s', (dialect: DialectName) => {
  let t: TestControl;
  let databaseUrl = '';
  let database: { drop(): Promise<void> } | null = null;
  beforeAll(async () => {
    if (dialect === 'postgres') {
      const created = await postgresDatabase();
      database = created;
      databaseUrl = created.url;
    }
    t = await startTestControl(dialect, databaseUrl ? { databaseUrl } : {});
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  const admin = (...args: string[]) => new Promise<Run>((resolve) => {
    // The embedded database of the running control (--data-dir), or its PostgreSQL through DATABASE_URL.
    const env = { ...process.env, DATABASE_URL: databaseUrl, INVORTO_DATA_DIR: '' };
    execFile(process.execPath, ['bin/invorto.js', 'admin', ...args, '--data-dir', t.dataDir], { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
  const login = (json: unknown) => t.api('/v1/auth/login', { method: 'POST', json, as: '' });
  const email = () => `cli-${randomBytes(4).toString('hex')}@example.test`;

  it('create-tenant prints the tenant and a one-time password its owner logs in with', async () => {
    const owner = email();
    const run = await admin('create-tenant', '--name', 'Acme Calls', '--owner-email', owner);
    expect(run.code, run.stderr).toBe(0);
    const tenantId = /tenant (ten_\S+) \("Acme Calls"\) created/.exec(run.stdout)?.[1];
    const password = /one-time password[^:]*: (\S+)/.exec(run.stdout)?.[1];
    expect(tenantId).toBeTruthy();
    expect(password).toMatch(/^[A-Za-z0-9]{16}$/);
    const session = await login({ email: owner, password, tenantId });
    expect(session.status).toBe(200);
    const { accessToken, role } = await session.json();
    expect(role).toBe('owner');
    expect(await (await t.api('/v1/tenant', { as: accessToken })).json()).toMatchObject({ id: tenantId, name: 'Acme Calls', role: 'owner' });
  }, SLOW);

  it('reset-password prints a new one-time password and ends the old logins', async () => {
    const owner = email();
    const created = JSON.parse((await admin('create-tenant', '--name', 'Reset Co', '--owner-email', owner, '--json')).stdout);
    const before = await (await login({ email: owner, password: created.password })).json();
    const run = await admin('reset-password', '--email', owner);
    expect(run.code, run.stderr).toBe(0);
    const password = /: (\S+)$/.exec(run.stdout.trim())?.[1];
    expect(password).toMatch(/^[A-Za-z0-9]{16}$/);
    expect((await login({ email: owner, password: created.password })).status).toBe(401);
    expect((await t.api('/v1/auth/refresh', { method: 'POST', json: { refreshToken: before.refreshToken }, as: '' })).status).toBe(401);
    expect((await login({ email: owner, password })).status).toBe(200);
  }, SLOW);

  it('create-key prints a key that acts for the tenant with exactly its scopes', async () => {
    const created = JSON.parse((await admin('create-tenant', '--name', 'Key Co', '--owner-email', email(), '--json')).stdout);
    const run = await admin('create-key', '--tenant', created.tenantId, '--name', 'carrier', '--scopes', 'agents:read, media');
    expect(run.code, run.stderr).toBe(0);
    const key = /key \(shown once\): (ivk_\S+)/.exec(run.stdout)?.[1];
    expect(key).toBeTruthy();
    expect(await (await t.api('/v1/auth/me', { as: key })).json()).toMatchObject({ kind: 'key', tenantId: created.tenantId, scopes: ['agents:read', 'media'] });
    expect((await t.api('/v1/keys', { as: key })).status).toBe(403);
  }, SLOW);

  it('says what is wrong with bad arguments, and changes nothing', async () => {
    const [unknownCommand, missing, badScope, noTenant, noUser] = await Promise.all([
      admin('drop-everything'),
      admin('create-tenant', '--name', 'No Owner'),
      admin('create-key', '--tenant', t.tenantId, '--name', 'x', '--scopes', 'agents:read,root'),
      admin('create-key', '--tenant', 'ten_nope', '--name', 'x', '--scopes', 'media'),
      admin('reset-password', '--email', 'nobody@example.test'),
    ]);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toMatch(/unknown admin command "drop-everything"/);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--owner-email/);
    expect(badScope.code).toBe(2);
    expect(badScope.stderr).toMatch(/unknown scope "root"/);
    expect(noTenant.code).toBe(1);
    expect(noTenant.stderr).toMatch(/no tenant "ten_nope"/);
    expect(noUser.code).toBe(1);
    expect(noUser.stderr).toMatch(/no user nobody@example.test/);
    const keys = (await (await t.api('/v1/keys')).json()).items;
    expect(keys.map((k: { name: string }) => k.name)).not.toContain('x');
  }, SLOW);
});
