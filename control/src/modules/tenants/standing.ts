// A person's standing in a tenant as the authenticator checks it: their role now and their last password change.
import type { Db } from '../../db/database.ts';
import type { Role } from './tables.ts';

export async function memberStanding(db: Db, userId: string, tenantId: string): Promise<{ role: Role; passwordChangedAtMs: number } | null> {
  const row = await db.selectFrom('memberships').innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['memberships.role', 'users.password_changed_at'])
    .where('memberships.user_id', '=', userId).where('memberships.tenant_id', '=', tenantId).executeTakeFirst();
  return row ? { role: row.role, passwordChangedAtMs: row.password_changed_at } : null;
}
