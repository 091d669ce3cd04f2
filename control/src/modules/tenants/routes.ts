// GET/PATCH /v1/tenant: the caller's own tenant (there is no way to name another: isolation by construction).
// This module is the pattern the others follow: TypeBox schemas for every part, one scope per route, errors by ref.
import { Type } from 'typebox';
import type { ControlModule } from '../index.ts';
import { principal } from '../../plugins/auth.ts';
import { commonErrors, notFound } from '../../plugins/errors.ts';
import { TenantBody, TenantUpdate } from './schema.ts';
import { TenantService } from './service.ts';

export const tenantRoutes: ControlModule = async (app, { ctx }) => {
  app.addSchema(TenantBody);
  const tenants = new TenantService(ctx.database.db, ctx.now);
  const tenantOf = async (tenantId: string, role: TenantBody['role']): Promise<TenantBody> => {
    const tenant = await tenants.repo.tenant(tenantId);
    if (!tenant) throw notFound('tenant');
    return { ...tenant, role };
  };

  app.get('/v1/tenant', {
    onRequest: ctx.auth.requireScope('agents:read'),
    schema: { tags: ['tenants'], summary: "The caller's tenant", response: { 200: Type.Ref('Tenant'), ...commonErrors } },
  }, async (request) => {
    const who = principal(request);
    return tenantOf(who.tenantId, who.role);
  });

  app.patch('/v1/tenant', {
    onRequest: ctx.auth.requireScope('users:write'),
    schema: { tags: ['tenants'], summary: "Rename the tenant or set how long its call artifacts are kept (owner)", body: TenantUpdate, response: { 200: Type.Ref('Tenant'), ...commonErrors } },
  }, async (request) => {
    const who = principal(request);
    const { name, retentionDays } = request.body;
    if (name !== undefined) await tenants.repo.renameTenant(who.tenantId, name);
    if (retentionDays !== undefined) await tenants.repo.setRetention(who.tenantId, retentionDays);
    return tenantOf(who.tenantId, who.role);
  });
};
