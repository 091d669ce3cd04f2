import type { Kysely } from 'kysely';
import { bigint } from '../../db/migrations.ts';
import type { Dialect } from '../../db/database.ts';

/** Part of migration 002_agents_numbers: a number rings an agent of its tenant, which cannot go while it does. */
export async function createNumberTables(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const ms = bigint(dialect);
  await db.schema.createTable('phone_numbers').addColumn('e164', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('agent_id', 'text', (c) => c.notNull()).addColumn('label', 'text')
    .addColumn('created_at', ms, (c) => c.notNull()).addColumn('updated_at', ms, (c) => c.notNull())
    .addForeignKeyConstraint('phone_numbers_agent', ['tenant_id', 'agent_id'], 'agents', ['tenant_id', 'id'])
    .execute();
  await db.schema.createIndex('phone_numbers_by_tenant').on('phone_numbers').columns(['tenant_id', 'e164']).execute();
  await db.schema.createIndex('phone_numbers_by_agent').on('phone_numbers').columns(['tenant_id', 'agent_id']).execute();
}
