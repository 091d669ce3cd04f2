import type { ControlModule } from '../index.ts';

export const callRoutes: ControlModule = async () => {};
