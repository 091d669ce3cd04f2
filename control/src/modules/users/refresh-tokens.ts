// Refresh tokens at rest: only their SHA-256 is stored. A login starts a family; each refresh uses up one token and
// adds the next to the same family, so a token presented twice (stolen and replayed) can revoke the whole chain.
import type { Db } from '../../db/database.ts';

export interface RefreshTokenRow {
  hash: string; family: string; user_id: string; tenant_id: string; expires_at: number;
  used_at: number | null; revoked_at: number | null; created_at: number;
}

export class RefreshTokenRepository {
  constructor(private readonly db: Db) {}

  async insert(token: { hash: string; family: string; userId: string; tenantId: string; expiresAtMs: number; atMs: number }): Promise<void> {
    await this.db.insertInto('refresh_tokens').values({
      hash: token.hash, family: token.family, user_id: token.userId, tenant_id: token.tenantId,
      expires_at: token.expiresAtMs, used_at: null, revoked_at: null, created_at: token.atMs,
    }).execute();
  }

  async byHash(hash: string): Promise<RefreshTokenRow | null> {
    return (await this.db.selectFrom('refresh_tokens').selectAll().where('hash', '=', hash).executeTakeFirst()) ?? null;
  }

  /** Uses a token up; false when it was already used (one statement, so two racing refreshes cannot both win). */
  async markUsed(hash: string, atMs: number): Promise<boolean> {
    const result = await this.db.updateTable('refresh_tokens').set({ used_at: atMs })
      .where('hash', '=', hash).where('used_at', 'is', null).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async revokeFamily(family: string, atMs: number): Promise<void> {
    await this.db.updateTable('refresh_tokens').set({ revoked_at: atMs }).where('family', '=', family).where('revoked_at', 'is', null).execute();
  }

  /** Every live token of a user (all tenants, or one). */
  async revokeUser(userId: string, atMs: number, tenantId?: string): Promise<void> {
    let query = this.db.updateTable('refresh_tokens').set({ revoked_at: atMs }).where('user_id', '=', userId).where('revoked_at', 'is', null);
    if (tenantId) query = query.where('tenant_id', '=', tenantId);
    await query.execute();
  }

  /** Drops a user's tokens that expired long ago; their families can no longer be replayed anyway. */
  async pruneExpired(userId: string, beforeMs: number): Promise<void> {
    await this.db.deleteFrom('refresh_tokens').where('user_id', '=', userId).where('expires_at', '<', beforeMs).execute();
  }
}
