// Tenants, users and memberships in the database.
import type { Db } from '../../db/database.ts';
import type { Role } from './tables.ts';

export interface Tenant { id: string; name: string; createdAt: string; retentionDays: number | null }
export interface Member { userId: string; email: string; role: Role; createdAt: string }

export class TenantRepository {
  constructor(private readonly db: Db) {}

  async insertTenant(id: string, name: string, atMs: number): Promise<Tenant> {
    await this.db.insertInto('tenants').values({ id, name, created_at: atMs }).execute();
    return { id, name, createdAt: new Date(atMs).toISOString(), retentionDays: null };
  }

  async tenant(id: string): Promise<Tenant | null> {
    const row = await this.db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? { id: row.id, name: row.name, createdAt: new Date(row.created_at).toISOString(), retentionDays: row.retention_days ?? null } : null;
  }

  async firstTenant(): Promise<Tenant | null> {
    const row = await this.db.selectFrom('tenants').selectAll().orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
    return row ? { id: row.id, name: row.name, createdAt: new Date(row.created_at).toISOString(), retentionDays: row.retention_days ?? null } : null;
  }

  async renameTenant(id: string, name: string): Promise<void> {
    await this.db.updateTable('tenants').set({ name }).where('id', '=', id).execute();
  }

  async setRetention(id: string, retentionDays: number | null): Promise<void> {
    await this.db.updateTable('tenants').set({ retention_days: retentionDays }).where('id', '=', id).execute();
  }

  async insertUser(user: { id: string; email: string; passwordHash: string; atMs: number }): Promise<void> {
    await this.db.insertInto('users').values({ id: user.id, email: user.email, password_hash: user.passwordHash, created_at: user.atMs, password_changed_at: user.atMs }).execute();
  }

  async userByEmail(email: string) {
    return this.db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
  }

  async userById(id: string) {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async setPassword(userId: string, passwordHash: string, atMs: number): Promise<void> {
    await this.db.updateTable('users').set({ password_hash: passwordHash, password_changed_at: atMs }).where('id', '=', userId).execute();
  }

  async addMember(tenantId: string, userId: string, role: Role, atMs: number): Promise<void> {
    await this.db.insertInto('memberships').values({ tenant_id: tenantId, user_id: userId, role, created_at: atMs }).execute();
  }

  async membership(tenantId: string, userId: string): Promise<Role | null> {
    const row = await this.db.selectFrom('memberships').select('role').where('tenant_id', '=', tenantId).where('user_id', '=', userId).executeTakeFirst();
    return row?.role ?? null;
  }

  /** The tenants a user belongs to, oldest membership first. */
  async membershipsOf(userId: string): Promise<{ tenantId: string; role: Role }[]> {
    const rows = await this.db.selectFrom('memberships').select(['tenant_id', 'role']).where('user_id', '=', userId).orderBy('created_at').execute();
    return rows.map((r) => ({ tenantId: r.tenant_id, role: r.role }));
  }

  async members(tenantId: string): Promise<Member[]> {
    const rows = await this.db.selectFrom('memberships').innerJoin('users', 'users.id', 'memberships.user_id')
      .select(['users.id', 'users.email', 'memberships.role', 'memberships.created_at']).where('memberships.tenant_id', '=', tenantId)
      .orderBy('memberships.created_at').orderBy('users.id').execute();
    return rows.map((r) => ({ userId: r.id, email: r.email, role: r.role, createdAt: new Date(r.created_at).toISOString() }));
  }

  async member(tenantId: string, userId: string): Promise<Member | null> {
    const row = await this.db.selectFrom('memberships').innerJoin('users', 'users.id', 'memberships.user_id')
      .select(['users.id', 'users.email', 'memberships.role', 'memberships.created_at'])
      .where('memberships.tenant_id', '=', tenantId).where('memberships.user_id', '=', userId).executeTakeFirst();
    return row ? { userId: row.id, email: row.email, role: row.role, createdAt: new Date(row.created_at).toISOString() } : null;
  }

  async countRole(tenantId: string, role: Role): Promise<number> {
    const row = await this.db.selectFrom('memberships').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tenantId).where('role', '=', role).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async setRole(tenantId: string, userId: string, role: Role): Promise<boolean> {
    const result = await this.db.updateTable('memberships').set({ role }).where('tenant_id', '=', tenantId).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async removeMember(tenantId: string, userId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('memberships').where('tenant_id', '=', tenantId).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
