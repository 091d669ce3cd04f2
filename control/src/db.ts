// The embedded database: one SQLite file holds tenants, their API keys, their agents and their calls.
import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { validateAgentConfig, type AgentConfig } from '@invorto/proto/agent-config.ts';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { CALL_RECORDS_MIGRATION, CallRecords } from './call-records.ts';

const MIGRATIONS = [
  `CREATE TABLE tenants (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL);
   CREATE TABLE api_keys (hash TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id), prefix TEXT NOT NULL, created_at TEXT NOT NULL);
   CREATE TABLE agents (tenant_id TEXT NOT NULL REFERENCES tenants(id), id TEXT NOT NULL, config TEXT NOT NULL,
                        updated_at TEXT NOT NULL, PRIMARY KEY (tenant_id, id));`,
  CALL_RECORDS_MIGRATION,
];

export interface Tenant { id: string; name: string; createdAt: string }

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

export class ControlDb {
  readonly #db: Database.Database;
  /** Calls, built from the timeline. */
  readonly calls: CallRecords;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('foreign_keys = ON');
    this.#migrate();
    this.calls = new CallRecords(this.#db);
  }

  #migrate(): void {
    const version = this.#db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.#db.transaction(() => {
        this.#db.exec(MIGRATIONS[v]);
        this.#db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  /** First start: a default tenant with one API key and the demo agent. Returns the new key once, else null. */
  seedDefaults(): { tenantId: string; apiKey: string | null } {
    const existing = this.#db.prepare('SELECT id FROM tenants ORDER BY created_at LIMIT 1').get() as { id: string } | undefined;
    if (existing) return { tenantId: existing.id, apiKey: null };
    const tenant = this.createTenant('Default tenant', 'default');
    const apiKey = this.createApiKey(tenant.id);
    this.putAgent(demoAgent(tenant.id));
    return { tenantId: tenant.id, apiKey };
  }

  createTenant(name: string, id = `t_${randomBytes(6).toString('hex')}`): Tenant {
    const tenant = { id, name, createdAt: new Date().toISOString() };
    this.#db.prepare('INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)').run(tenant.id, tenant.name, tenant.createdAt);
    return tenant;
  }

  listTenants(): Tenant[] {
    return this.#db.prepare('SELECT id, name, created_at AS createdAt FROM tenants ORDER BY created_at').all() as Tenant[];
  }

  /** Keys are stored hashed; the plain key is returned only here. */
  createApiKey(tenantId: string): string {
    const key = `ivk_${randomBytes(24).toString('base64url')}`;
    this.#db.prepare('INSERT INTO api_keys (hash, tenant_id, prefix, created_at) VALUES (?, ?, ?, ?)')
      .run(hashKey(key), tenantId, key.slice(0, 8), new Date().toISOString());
    return key;
  }

  tenantForApiKey(key: string): string | null {
    const row = this.#db.prepare('SELECT tenant_id FROM api_keys WHERE hash = ?').get(hashKey(key)) as { tenant_id: string } | undefined;
    return row?.tenant_id ?? null;
  }

  putAgent(agent: AgentConfig): void {
    const problems = validateAgentConfig(agent);
    if (problems.length) throw new Error(`invalid agent "${agent.id}": ${problems.join('; ')}`);
    this.#db.prepare(`INSERT INTO agents (tenant_id, id, config, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (tenant_id, id) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at`)
      .run(agent.tenantId, agent.id, JSON.stringify(agent), new Date().toISOString());
  }

  getAgent(tenantId: string, id: string): AgentConfig | null {
    const row = this.#db.prepare('SELECT config FROM agents WHERE tenant_id = ? AND id = ?').get(tenantId, id) as { config: string } | undefined;
    return row ? (JSON.parse(row.config) as AgentConfig) : null;
  }

  listAgents(tenantId: string): AgentConfig[] {
    const rows = this.#db.prepare('SELECT config FROM agents WHERE tenant_id = ? ORDER BY id').all(tenantId) as { config: string }[];
    return rows.map((r) => JSON.parse(r.config) as AgentConfig);
  }

  deleteAgent(tenantId: string, id: string): boolean {
    return this.#db.prepare('DELETE FROM agents WHERE tenant_id = ? AND id = ?').run(tenantId, id).changes > 0;
  }

  close(): void {
    this.#db.close();
  }
}
