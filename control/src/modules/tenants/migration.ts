import { bigint, type DialectMigration } from '../../db/migrations.ts';

export const tenantsMigration: DialectMigration = (dialect) => ({
  async up(db) {
    const ms = bigint(dialect);
    await db.schema.createTable('tenants').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', ms, (c) => c.notNull()).execute();
    await db.schema.createTable('users').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('password_hash', 'text', (c) => c.notNull()).addColumn('created_at', ms, (c) => c.notNull())
      .addColumn('password_changed_at', ms, (c) => c.notNull()).execute();
    await db.schema.createTable('memberships')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('role', 'text', (c) => c.notNull()).addColumn('created_at', ms, (c) => c.notNull())
      .addPrimaryKeyConstraint('memberships_pk', ['tenant_id', 'user_id']).execute();
    await db.schema.createTable('refresh_tokens').addColumn('hash', 'text', (c) => c.primaryKey()).addColumn('family', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('expires_at', ms, (c) => c.notNull()).addColumn('used_at', ms).addColumn('revoked_at', ms)
      .addColumn('created_at', ms, (c) => c.notNull()).execute();
    await db.schema.createIndex('refresh_tokens_by_family').on('refresh_tokens').column('family').execute();
    // Password changes, resets and removals revoke a person's tokens; logins prune their expired ones.
    await db.schema.createIndex('refresh_tokens_by_user').on('refresh_tokens').columns(['user_id', 'tenant_id']).execute();
    await db.schema.createTable('api_keys').addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull()).addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull().unique()).addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('created_at', ms, (c) => c.notNull()).addColumn('last_used_at', ms).addColumn('revoked_at', ms).execute();
    await db.schema.createIndex('api_keys_by_tenant').on('api_keys').columns(['tenant_id', 'created_at']).execute();
    await db.schema.createTable('changes')
      .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('tenant_id', 'text', (c) => c.notNull()).addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull()).addColumn('at', ms, (c) => c.notNull()).execute();
  },
});
