// /v1/users: the people of the caller's tenant and their roles (owners manage them), plus the /v1/auth routes.
import { Type } from 'typebox';
import type { ControlModule } from '../index.ts';
import { principal } from '../../plugins/auth.ts';
import { commonErrors } from '../../plugins/errors.ts';
import { authRoutes } from './auth-routes.ts';
import { PeopleService } from './people.ts';
import { User, UserCreate, UserCreated, UserList, UserParams, UserUpdate } from './schema.ts';

const errors = { ...commonErrors, 409: Type.Ref('Error'), 413: Type.Ref('Error') };

export const userRoutes: ControlModule = async (app, { ctx }) => {
  await app.register(authRoutes, { ctx });
  app.addSchema(User);
  const people = new PeopleService(ctx.database, ctx.now);

  app.get('/v1/users', {
    onRequest: ctx.auth.requireScope('users:read'),
    schema: { tags: ['users'], summary: "The tenant's people and their roles", response: { 200: UserList, ...commonErrors } },
  }, async (request) => ({ items: await people.list(principal(request).tenantId) }));

  app.get('/v1/users/:id', {
    onRequest: ctx.auth.requireScope('users:read'),
    schema: { tags: ['users'], summary: 'One person of the tenant', params: UserParams, response: { 200: Type.Ref('User'), ...commonErrors } },
  }, async (request) => people.get(principal(request).tenantId, request.params.id));

  app.post('/v1/users', {
    onRequest: ctx.auth.requireScope('users:write'),
    schema: {
      tags: ['users'], summary: 'Add a person to the tenant (owner)',
      description: 'A new account gets a one-time password, answered only here; a person who already has an account (another tenant) keeps theirs.',
      body: UserCreate, response: { 201: UserCreated, ...errors },
    },
  }, async (request, reply) => {
    const added = await people.add(principal(request).tenantId, request.body.email, request.body.role);
    return reply.status(201).send(added);
  });

  app.patch('/v1/users/:id', {
    onRequest: ctx.auth.requireScope('users:write'),
    schema: {
      tags: ['users'], summary: "Change a person's role (owner)", description: 'The last owner cannot be demoted (409).',
      params: UserParams, body: UserUpdate, response: { 200: Type.Ref('User'), ...errors },
    },
  }, async (request) => people.setRole(principal(request).tenantId, request.params.id, request.body.role));

  app.delete('/v1/users/:id', {
    onRequest: ctx.auth.requireScope('users:write'),
    schema: {
      tags: ['users'], summary: 'Remove a person from the tenant (owner)', description: 'Ends their logins in this tenant. The last owner cannot be removed (409).',
      params: UserParams, response: { 204: Type.Null({ description: 'removed' }), ...errors },
    },
  }, async (request, reply) => {
    await people.remove(principal(request).tenantId, request.params.id);
    return reply.status(204).send(null);
  });
};
