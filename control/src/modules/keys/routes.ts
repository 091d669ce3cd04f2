// /v1/keys: the tenant's API keys (list, create with the secret shown once, revoke), and the internal look-up an
// edge makes for a media socket authenticated by an API key.
import { Type } from 'typebox';
import type { ControlModule } from '../index.ts';
import { principal } from '../../plugins/auth.ts';
import { commonErrors, forbidden, notFound, unauthorized } from '../../plugins/errors.ts';
import { ApiKey, ApiKeyCreate, ApiKeyCreated, ApiKeyList, ApiKeyParams, TenantForKey } from './schema.ts';
import { KeyService } from './service.ts';
import type { ApiKeyRecord } from './repository.ts';

/** Routes with a body may also answer 413 (over the body limit). */
const withBody = { ...commonErrors, 413: Type.Ref('Error') };

const shown = ({ tenantId: _tenantId, ...key }: ApiKeyRecord): ApiKey => key;

export const keyRoutes: ControlModule = async (app, { ctx }) => {
  app.addSchema(ApiKey);
  const keys = new KeyService(ctx.database.db, ctx.now);

  app.get('/v1/keys', {
    onRequest: ctx.auth.requireScope('keys:read'),
    schema: { tags: ['keys'], summary: "The tenant's API keys, newest first (revoked ones too)", response: { 200: ApiKeyList, ...commonErrors } },
  }, async (request) => ({ items: (await keys.list(principal(request).tenantId)).map(shown) }));

  app.get('/v1/keys/:id', {
    onRequest: ctx.auth.requireScope('keys:read'),
    schema: { tags: ['keys'], summary: 'One API key', params: ApiKeyParams, response: { 200: Type.Ref('ApiKey'), ...commonErrors } },
  }, async (request) => {
    const key = await keys.get(principal(request).tenantId, request.params.id);
    if (!key) throw notFound('API key');
    return shown(key);
  });

  app.post('/v1/keys', {
    onRequest: ctx.auth.requireScope('keys:write'),
    schema: {
      tags: ['keys'], summary: 'Create an API key (its secret is answered once)',
      description: 'A key may only be given scopes its creator has (403 otherwise).',
      body: ApiKeyCreate, response: { 201: ApiKeyCreated, ...withBody },
    },
  }, async (request, reply) => {
    const who = principal(request);
    const lacking = request.body.scopes.filter((scope) => !who.scopes.has(scope));
    if (lacking.length) throw forbidden(`a key cannot be given scopes its creator lacks: ${lacking.map((s) => `"${s}"`).join(', ')}`);
    const { key, secret } = await keys.create(who.tenantId, request.body.name, request.body.scopes);
    return reply.status(201).send({ key: shown(key), secret });
  });

  app.delete('/v1/keys/:id', {
    onRequest: ctx.auth.requireScope('keys:write'),
    schema: {
      tags: ['keys'], summary: 'Revoke an API key', description: 'Takes effect on its next request (401). Revoking a revoked key is a no-op.',
      params: ApiKeyParams, response: { 204: Type.Null({ description: 'revoked' }), ...commonErrors },
    },
  }, async (request, reply) => {
    const tenantId = principal(request).tenantId;
    if (!(await keys.get(tenantId, request.params.id))) throw notFound('API key');
    await keys.revoke(tenantId, request.params.id);
    return reply.status(204).send(null);
  });
};

/** GET /internal/tenant-for-key: the edge authenticates a media socket that presents an API key (x-api-key). */
export const keyInternalRoutes: ControlModule = async (app, { ctx }) => {
  const keys = new KeyService(ctx.database.db, ctx.now);
  app.get('/internal/tenant-for-key', {
    schema: {
      summary: 'The tenant of an API key with the media scope (header x-api-key)',
      response: { 200: TenantForKey, 401: Type.Ref('Error'), 403: Type.Ref('Error') },
    },
  }, async (request) => {
    const presented = request.headers['x-api-key'];
    const key = typeof presented === 'string' && presented.startsWith('ivk_') ? await keys.principalOf(presented) : null;
    if (!key) throw unauthorized('unknown or revoked API key (x-api-key)');
    if (!key.scopes.has('media')) throw forbidden('this API key lacks the "media" scope');
    return { tenantId: key.tenantId, scopes: [...key.scopes].sort() };
  });
};
