// The database's tables, as Kysely sees them: each module declares its own, this joins them.
import type { TenantTables } from '../modules/tenants/tables.ts';
import type { AgentTables } from '../modules/agents/tables.ts';
import type { CallTables } from '../modules/calls/tables.ts';
import type { PricingTables } from '../modules/pricing/tables.ts';
import type { BillingTables } from '../modules/billing/tables.ts';

export interface Schema extends TenantTables, AgentTables, CallTables, PricingTables, BillingTables {}
