import type { ControlModule } from '../index.ts';

export const numberRoutes: ControlModule = async () => {};
export const numberInternalRoutes: ControlModule = async () => {};
