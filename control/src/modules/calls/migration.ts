import type { DialectMigration } from '../../db/migrations.ts';

export const callsMigration: DialectMigration = () => ({ async up() {} });
