// The database's tables, as Kysely sees them: each module declares its own, this joins them.
import type { TenantTables } from '../modules/tenants/tables.ts';
import type { AgentTables } from '../modules/agents/tables.ts';
import type { CallTables } from '../modules/calls/tables.ts';

export interface Schema extends TenantTables, AgentTables, CallTables {}
