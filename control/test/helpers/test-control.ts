// A control service for a test, on SQLite (a temp file) or on the run's PostgreSQL (a database of its own), with
// helpers to call its API as any principal: the seeded owner key, a person of a given role, a second tenant.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { startControl, type RunningControl, type StartControlOptions } from '../../src/start-control.ts';
import { TenantService } from '../../src/modules/tenants/service.ts';
import { KeyService } from '../../src/modules/keys/service.ts';
import { SCOPES, type Scope } from '../../src/plugins/auth.ts';
import type { Role } from '../../src/modules/tenants/tables.ts';
import { DocumentedResponses } from './documented.ts';

export type DialectName = 'sqlite' | 'postgres';

/** The databases the control suite runs on here: SQLite always, PostgreSQL when the run started one. */
export function dialects(): DialectName[] {
  return inject('postgresUrl') ? ['sqlite', 'postgres'] : ['sqlite'];
}

export const INTERNAL_TOKEN = 'test-internal-token';

export interface TestControl {
  control: RunningControl;
  url: string;
  internalUrl: string;
  tenantId: string;
  /** The first-start key: every scope in the default tenant. */
  apiKey: string;
  dataDir: string;
  /** fetch against the public API as `credential` (default: the first-start key); JSON bodies. */
  api(path: string, init?: RequestInit & { as?: string; json?: unknown }): Promise<Response>;
  /** fetch against the internal API with the internal token. */
  internal(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  /** An access token for a new person with `role` in `tenantId` (default: the default tenant). */
  tokenFor(role: Role, tenantId?: string): Promise<string>;
  keyWith(scopes: Scope[], tenantId?: string): Promise<string>;
  /** Another tenant with an owner token and an all-scopes key. */
  newTenant(name?: string): Promise<{ tenantId: string; ownerToken: string; apiKey: string }>;
  /** The PostgreSQL database of this control (postgres dialect only). */
  databaseUrl?: string;
  close(): Promise<void>;
}

async function createDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `c_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = adminUrl.replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export async function startTestControl(dialect: DialectName, options: Partial<StartControlOptions> = {}): Promise<TestControl> {
  const dataDir = mkdtempSync(join(tmpdir(), 'invorto-control-'));
  const database = dialect === 'postgres' ? await createDatabase(inject('postgresUrl')) : null;
  const control = await startControl({
    host: '127.0.0.1', port: 0, internalPort: 0, dataDir, internalToken: INTERNAL_TOKEN, databaseUrl: database?.url,
    ingestTimeline: false, ...options,
  });
  const tenants = new TenantService(control.ctx.database.db);
  const keys = new KeyService(control.ctx.database.db);
  const request = (base: string, headers: Record<string, string>) => (path: string, init: RequestInit & { json?: unknown } = {}) => {
    const { json, ...rest } = init;
    return fetch(`${base}${path}`, {
      ...rest,
      body: json === undefined ? rest.body : JSON.stringify(json),
      headers: { ...(json === undefined ? {} : { 'content-type': 'application/json' }), ...headers, ...(rest.headers as Record<string, string>) },
    });
  };
  const tokenFor = async (role: Role, tenantId = control.tenantId) => {
    const { userId } = await tenants.addPerson(tenantId, `${role}-${randomBytes(4).toString('hex')}@example.test`, role);
    return control.ctx.tokens.issue({ userId, tenantId, role });
  };
  const keyWith = async (scopes: Scope[], tenantId = control.tenantId) => (await keys.create(tenantId, 'test key', scopes)).secret;
  const documented = new DocumentedResponses(await (await fetch(`${control.url}/openapi.json`)).json());
  /** Public API calls are checked against the documented response schema (the body stays readable by the test). */
  const api = async (path: string, init: RequestInit & { as?: string; json?: unknown } = {}) => {
    const response = await request(control.url, { authorization: `Bearer ${init.as ?? control.newApiKey}` })(path, init);
    const text = await response.clone().text();
    const contentType = response.headers.get('content-type');
    if (contentType?.includes('json') && text) documented.check(init.method ?? 'GET', path, response.status, contentType, JSON.parse(text));
    return response;
  };
  return {
    control, url: control.url, internalUrl: control.internalUrl, databaseUrl: database?.url, tenantId: control.tenantId, apiKey: control.newApiKey!, dataDir,
    api,
    internal: (path, init = {}) => request(control.internalUrl, { 'x-invorto-internal': INTERNAL_TOKEN })(path, init),
    tokenFor,
    keyWith,
    async newTenant(name = 'Other tenant') {
      const tenant = await tenants.createTenant(name);
      return { tenantId: tenant.id, ownerToken: await tokenFor('owner', tenant.id), apiKey: await keyWith([...SCOPES], tenant.id) };
    },
    async close() {
      await control.close();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
