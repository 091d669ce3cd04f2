import type { ControlModule } from '../index.ts';

export const agentRoutes: ControlModule = async () => {};
export const agentInternalRoutes: ControlModule = async () => {};
