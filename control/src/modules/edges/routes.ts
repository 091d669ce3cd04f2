import type { ControlModule } from '../index.ts';

export const edgeRoutes: ControlModule = async () => {};
export const edgeInternalRoutes: ControlModule = async () => {};
