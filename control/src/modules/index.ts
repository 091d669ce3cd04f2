// Every module's routes, public and internal. A module is a folder with its schema, routes, service and repository.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ControlContext } from '../context.ts';
import { tenantRoutes } from './tenants/routes.ts';
import { userRoutes } from './users/routes.ts';
import { keyRoutes, keyInternalRoutes } from './keys/routes.ts';
import { agentRoutes, agentInternalRoutes } from './agents/routes.ts';
import { numberRoutes, numberInternalRoutes } from './numbers/routes.ts';
import { callRoutes } from './calls/routes.ts';
import { edgeRoutes, edgeInternalRoutes } from './edges/routes.ts';
import { pricingRoutes } from './pricing/routes.ts';
import { billingRoutes, billingInternalRoutes } from './billing/routes.ts';
import { artifactRoutes } from './artifacts/routes.ts';

import { liveRoutes, liveInternalRoutes } from './live/routes.ts';

export type ControlModule = FastifyPluginAsyncTypebox<{ ctx: ControlContext }>;

export const publicModules: ControlModule[] = [tenantRoutes, userRoutes, keyRoutes, agentRoutes, numberRoutes, callRoutes, edgeRoutes, pricingRoutes, billingRoutes, artifactRoutes, liveRoutes];
export const internalModules: ControlModule[] = [keyInternalRoutes, agentInternalRoutes, numberInternalRoutes, edgeInternalRoutes, billingInternalRoutes, liveInternalRoutes];
