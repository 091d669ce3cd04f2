// Migrations, run by Kysely's Migrator at start. Each module owns its tables and its migration; this file only
// orders them. Names sort in the order they must run; a migration, once released, is never edited (add a new one).
import { Migrator, type Kysely, type Migration } from 'kysely';
import type { Dialect } from './database.ts';
import { tenantsMigration } from '../modules/tenants/migration.ts';
import { agentsMigration } from '../modules/agents/migration.ts';
import { callsMigration } from '../modules/calls/migration.ts';
import { pricingBillingMigration } from '../modules/pricing/migration.ts';
import { tenantRetentionMigration } from '../modules/tenants/retention-migration.ts';

/** A migration that may need to know the dialect (column types such as BIGINT vs INTEGER, JSON vs TEXT). */
export type DialectMigration = (dialect: Dialect) => Migration;

const migrations: Record<string, DialectMigration> = {
  '001_tenants_users_keys': tenantsMigration,
  '002_agents_numbers': agentsMigration,
  '003_calls_edges': callsMigration,
  '004_pricing_billing': pricingBillingMigration,
  '005_tenant_retention': tenantRetentionMigration,
};

export async function migrateToLatest(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => Object.fromEntries(Object.entries(migrations).map(([name, make]) => [name, make(dialect)])) },
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) throw new Error(`control database migration ${failed ? `"${failed.migrationName}" ` : ''}failed: ${(error as Error).message ?? String(error)}`);
}

/** Column type of a millisecond timestamp or a counter that may pass 2^31. */
export const bigint = (dialect: Dialect) => (dialect === 'postgres' ? 'bigint' : 'integer') as 'bigint';
