// 005_tenant_retention: how many days a tenant's call artifacts are kept (null: no limit), for the artifact store's
// retention (S3 lifecycle rules, the local sweep).
import type { DialectMigration } from '../../db/migrations.ts';

export const tenantRetentionMigration: DialectMigration = () => ({
  async up(db) {
    await db.schema.alterTable('tenants').addColumn('retention_days', 'integer').execute();
  },
});
