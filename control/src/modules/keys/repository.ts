// API keys: stored as SHA-256 of the secret (a key has 256 random bits), with a visible prefix to recognise it.
import type { Db } from '../../db/database.ts';
import type { Scope } from '../../plugins/auth.ts';

export interface ApiKeyRecord {
  id: string; tenantId: string; name: string; prefix: string; scopes: Scope[];
  createdAt: string; lastUsedAt: string | null; revokedAt: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function recordOf(r: { id: string; tenant_id: string; name: string; prefix: string; scopes: string; created_at: number; last_used_at: number | null; revoked_at: number | null }): ApiKeyRecord {
  return { id: r.id, tenantId: r.tenant_id, name: r.name, prefix: r.prefix, scopes: JSON.parse(r.scopes) as Scope[], createdAt: iso(r.created_at)!, lastUsedAt: iso(r.last_used_at), revokedAt: iso(r.revoked_at) };
}

export class KeyRepository {
  constructor(private readonly db: Db) {}

  async insert(key: { id: string; tenantId: string; name: string; prefix: string; hash: string; scopes: Scope[]; atMs: number }): Promise<void> {
    await this.db.insertInto('api_keys').values({
      id: key.id, tenant_id: key.tenantId, name: key.name, prefix: key.prefix, hash: key.hash, scopes: JSON.stringify(key.scopes), created_at: key.atMs, last_used_at: null, revoked_at: null,
    }).execute();
  }

  async byHash(hash: string): Promise<ApiKeyRecord | null> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('hash', '=', hash).executeTakeFirst();
    return row ? recordOf(row) : null;
  }

  async list(tenantId: string): Promise<ApiKeyRecord[]> {
    return (await this.db.selectFrom('api_keys').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at', 'desc').orderBy('id').execute()).map(recordOf);
  }

  async get(tenantId: string, id: string): Promise<ApiKeyRecord | null> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row ? recordOf(row) : null;
  }

  async revoke(tenantId: string, id: string, atMs: number): Promise<boolean> {
    const result = await this.db.updateTable('api_keys').set({ revoked_at: atMs }).where('tenant_id', '=', tenantId).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async touch(id: string, atMs: number): Promise<void> {
    await this.db.updateTable('api_keys').set({ last_used_at: atMs }).where('id', '=', id).execute();
  }
}
