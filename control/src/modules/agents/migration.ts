import type { DialectMigration } from '../../db/migrations.ts';

export const agentsMigration: DialectMigration = () => ({ async up() {} });
