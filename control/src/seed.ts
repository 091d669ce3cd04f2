// The first start on an empty database: a default tenant, its owner (with a one-time password for the dashboard),
// an API key with every scope, and the demo agent, so `npm start` is usable at once.
import type { ControlContext } from './context.ts';
import { SCOPES } from './plugins/auth.ts';
import { KeyService } from './modules/keys/service.ts';
import { TenantService } from './modules/tenants/service.ts';
import { seedDemoAgent } from './modules/agents/seed.ts';

export interface FirstStart {
  tenantId: string;
  apiKey: string | null;
  login: { email: string; password: string } | null;
}

export const DEFAULT_OWNER_EMAIL = 'owner@invorto.local';

export async function seedFirstStart(ctx: ControlContext): Promise<FirstStart> {
  const tenants = new TenantService(ctx.database.db, ctx.now);
  const existing = await tenants.repo.firstTenant();
  if (existing) return { tenantId: existing.id, apiKey: null, login: null };
  const { tenant, owner } = await tenants.createWithOwner('Default tenant', DEFAULT_OWNER_EMAIL, { tenantId: 'default' });
  const { secret } = await new KeyService(ctx.database.db, ctx.now).create(tenant.id, 'default key (first start)', [...SCOPES]);
  await seedDemoAgent(ctx, tenant.id);
  return { tenantId: tenant.id, apiKey: secret, login: { email: owner.email, password: owner.password! } };
}
