import type { ControlModule } from '../index.ts';

export const keyRoutes: ControlModule = async () => {};
export const keyInternalRoutes: ControlModule = async () => {};
