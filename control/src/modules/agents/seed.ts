// The demo agent of a new tenant, as version 1 and published, so a first call works with no setup.
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import type { ControlContext } from '../../context.ts';
import { AgentService } from './service.ts';

export async function seedDemoAgent(ctx: ControlContext, tenantId: string): Promise<void> {
  const { tenantId: _tenant, ...settings } = demoAgent(tenantId);
  await new AgentService(ctx.database.db, ctx.now).create(tenantId, settings, 'seed');
}
