// /v1/numbers: a tenant's phone numbers and the agent each rings (public); which agent a dialled number reaches
// (internal, for the edge's SIP and media-stream calls). A number in a path is URL-encoded: /v1/numbers/%2B14155550123.
import { Type } from 'typebox';
import type { ControlModule } from '../index.ts';
import { principal } from '../../plugins/auth.ts';
import { commonErrors, notFound } from '../../plugins/errors.ts';
import { NumberBody, NumberCreate, NumberList, NumberListQuery, NumberParams, NumberUpdate } from './schema.ts';
import { NumberService } from './service.ts';

const error = Type.Ref('Error');
const tags = ['numbers'];

export const numberRoutes: ControlModule = async (app, { ctx }) => {
  app.addSchema(NumberBody);
  const numbers = new NumberService(ctx.database.db, ctx.now);
  const read = ctx.auth.requireScope('numbers:read');
  const write = ctx.auth.requireScope('numbers:write');

  app.get('/v1/numbers', {
    onRequest: read,
    schema: { tags, summary: "The tenant's phone numbers", querystring: NumberListQuery, response: { 200: NumberList, ...commonErrors } },
  }, async (request) => numbers.list(principal(request).tenantId, request.query));

  app.post('/v1/numbers', {
    onRequest: write,
    schema: { tags, summary: 'Add a number and the agent it rings', body: NumberCreate, response: { 201: Type.Ref('PhoneNumber'), ...commonErrors, 409: error } },
  }, async (request, reply) => reply.status(201).send(await numbers.create(principal(request).tenantId, request.body)));

  app.get('/v1/numbers/:number', {
    onRequest: read,
    schema: { tags, summary: 'One number', params: NumberParams, response: { 200: Type.Ref('PhoneNumber'), ...commonErrors } },
  }, async (request) => numbers.get(principal(request).tenantId, request.params.number));

  app.patch('/v1/numbers/:number', {
    onRequest: write,
    schema: { tags, summary: 'Assign a number to another agent, or relabel it', params: NumberParams, body: NumberUpdate, response: { 200: Type.Ref('PhoneNumber'), ...commonErrors } },
  }, async (request) => numbers.update(principal(request).tenantId, request.params.number, request.body));

  app.delete('/v1/numbers/:number', {
    onRequest: write,
    schema: { tags, summary: 'Remove a number (calls to it get SIP 404)', params: NumberParams, response: { 204: Type.Null({ description: 'deleted' }), ...commonErrors } },
  }, async (request, reply) => {
    await numbers.delete(principal(request).tenantId, request.params.number);
    return reply.status(204).send(null);
  });
};

export const numberInternalRoutes: ControlModule = async (app, { ctx }) => {
  const numbers = new NumberService(ctx.database.db, ctx.now);
  app.get('/internal/numbers/:e164', {
    schema: {
      summary: 'The tenant and agent a dialled number reaches',
      params: Type.Object({ e164: Type.String({ maxLength: 32 }) }),
      response: { 200: Type.Object({ tenantId: Type.String(), agentId: Type.String() }, { additionalProperties: false }), 404: error },
    },
  }, async (request) => {
    const route = await numbers.route(request.params.e164);
    if (!route) throw notFound(`number ${request.params.e164}`);
    return route;
  });
};
