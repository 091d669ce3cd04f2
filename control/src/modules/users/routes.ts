import type { ControlModule } from '../index.ts';

export const userRoutes: ControlModule = async () => {};
