import type { ControlContext } from '../../context.ts';

/** Creates the demo agent for a new tenant (filled by the agents module). */
export async function seedDemoAgent(_ctx: ControlContext, _tenantId: string): Promise<void> {}
