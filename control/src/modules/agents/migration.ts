import { bigint, type DialectMigration } from '../../db/migrations.ts';
import { createNumberTables } from '../numbers/migration.ts';

export const agentsMigration: DialectMigration = (dialect) => ({
  async up(db) {
    const ms = bigint(dialect);
    await db.schema.createTable('agents')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('id', 'text', (c) => c.notNull()).addColumn('name', 'text', (c) => c.notNull())
      .addColumn('latest_version', 'integer', (c) => c.notNull()).addColumn('published_version', 'integer', (c) => c.notNull())
      .addColumn('created_at', ms, (c) => c.notNull()).addColumn('updated_at', ms, (c) => c.notNull())
      .addPrimaryKeyConstraint('agents_pk', ['tenant_id', 'id']).execute();
    // The list is ordered by name then id (cursor pagination), within a tenant.
    await db.schema.createIndex('agents_by_name').on('agents').columns(['tenant_id', 'name', 'id']).execute();
    await db.schema.createTable('agent_versions')
      .addColumn('tenant_id', 'text', (c) => c.notNull()).addColumn('agent_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull()).addColumn('config', 'text', (c) => c.notNull())
      .addColumn('created_at', ms, (c) => c.notNull()).addColumn('created_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('agent_versions_pk', ['tenant_id', 'agent_id', 'version'])
      .addForeignKeyConstraint('agent_versions_agent', ['tenant_id', 'agent_id'], 'agents', ['tenant_id', 'id'], (fk) => fk.onDelete('cascade'))
      .execute();
    await createNumberTables(db, dialect);
  },
});
