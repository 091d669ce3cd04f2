// /v1/agents: agents with versions (public), and the edge's look-up of a published agent plus the change feed
// its cache follows (internal). Updates need If-Match (428 without, 412 when stale); webhook secrets are write-only.
import type { FastifySchemaValidationError } from 'fastify';
import { Type, type Static, type TSchema } from 'typebox';
import { AgentConfigSchema, agentFieldHint } from '@invorto/proto/agent-config.ts';
import type { ControlModule } from '../index.ts';
import { principal } from '../../plugins/auth.ts';
import { ApiError, commonErrors, notFound } from '../../plugins/errors.ts';
import { changesSince } from '../../db/changes.ts';
import {
  AgentBody, AgentCreate, AgentIdParams, AgentList, AgentListQuery, AgentSettingsIn, AgentSettingsOut, AgentSettingsPatch, AgentVersionBody, AgentVersionParams,
  AgentVersionSummary, IfMatchHeaders, PublishBody, PutQuery, VersionList, VersionListQuery,
} from './schema.ts';
import { AgentService, type WriteOptions } from './service.ts';

const error = Type.Ref('Error');
const tags = ['agents'];

/**
 * A settings value the body schema refused is worded as the agent schema words it where it has a hint
 * ('$.limits.callCapPaise: "limits.callCapPaise" must be a whole number of paise, 0 or more'); any other problem
 * gets the usual wording from the error handler (plugins/errors.ts), which reads `validation`.
 */
function agentBodyError(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const first = errors[0];
  const hint = dataVar === 'body' && first && first.keyword !== 'additionalProperties' && first.keyword !== 'required' ? agentFieldHint(first.instancePath) : null;
  return hint ? new ApiError(400, 'validation', `${hint.path}: ${hint.message}`, hint.path) : new Error('request validation failed');
}

export const agentRoutes: ControlModule = async (app, { ctx }) => {
  for (const schema of [AgentSettingsOut, AgentBody, AgentVersionSummary, AgentVersionBody]) app.addSchema(schema);
  const agents = new AgentService(ctx.database.db, ctx.now);
  const read = ctx.auth.requireScope('agents:read');
  const write = ctx.auth.requireScope('agents:write');

  app.get('/v1/agents', {
    onRequest: read,
    schema: { tags, summary: 'List agents (search by name, cursor pagination)', querystring: AgentListQuery, response: { 200: AgentList, ...commonErrors } },
  }, async (request) => agents.list(principal(request).tenantId, request.query));

  app.post('/v1/agents', {
    onRequest: write, schemaErrorFormatter: agentBodyError,
    schema: {
      tags, summary: 'Create an agent (version 1, published)', body: AgentCreate,
      response: { 201: Type.Ref('Agent'), ...commonErrors, 409: error },
    },
  }, async (request, reply) => {
    const who = principal(request);
    const agent = await agents.create(who.tenantId, request.body, who.subjectId);
    return reply.status(201).header('etag', agent.etag).header('location', `/v1/agents/${agent.id}`).send(agent);
  });

  app.get('/v1/agents/:id', {
    onRequest: read,
    schema: { tags, summary: 'An agent with its latest settings (ETag header)', params: AgentIdParams, response: { 200: Type.Ref('Agent'), ...commonErrors } },
  }, async (request, reply) => {
    const agent = await agents.get(principal(request).tenantId, request.params.id);
    return reply.header('etag', agent.etag).send(agent);
  });

  // PUT (every setting) and PATCH (some of them) differ only in their body and how it is applied: both write draft
  // version N+1 under If-Match (?publish=true also publishes it) and answer the agent with its new ETag.
  const newVersionRoute = <Body extends TSchema>(method: 'PUT' | 'PATCH', summary: string, body: Body,
    save: (tenantId: string, id: string, input: Static<Body>, options: WriteOptions) => Promise<AgentBody>) => app.route({
    method, url: '/v1/agents/:id', onRequest: write, schemaErrorFormatter: agentBodyError,
    schema: {
      tags, summary, params: AgentIdParams, querystring: PutQuery, headers: IfMatchHeaders, body,
      response: { 200: Type.Ref('Agent'), ...commonErrors, 412: error, 428: error },
    },
    handler: async (request, reply) => {
      const who = principal(request);
      // Fastify validated the body against `body`; the type provider cannot resolve a generic schema, so it is named here.
      const agent = await save(who.tenantId, request.params.id, request.body as Static<Body>, { ifMatch: request.headers['if-match'], by: who.subjectId, publish: request.query.publish });
      return reply.header('etag', agent.etag).send(agent);
    },
  });
  newVersionRoute('PUT', 'Replace the settings: a new draft version N+1 (?publish=true also publishes it); If-Match required',
    AgentSettingsIn, (...args) => agents.update(...args));
  newVersionRoute('PATCH', 'Replace some top-level settings (nested objects whole): a new draft version N+1, as PUT; If-Match required',
    AgentSettingsPatch, (...args) => agents.patch(...args));

  app.post('/v1/agents/:id/publish', {
    onRequest: write,
    schema: {
      tags, summary: 'Publish a version: calls get it from now on (an older one: rollback)', params: AgentIdParams, headers: IfMatchHeaders, body: PublishBody,
      response: { 200: Type.Ref('Agent'), ...commonErrors, 412: error },
    },
  }, async (request, reply) => {
    const agent = await agents.publish(principal(request).tenantId, request.params.id, request.body.version, request.headers['if-match']);
    return reply.header('etag', agent.etag).send(agent);
  });

  app.delete('/v1/agents/:id', {
    onRequest: write,
    schema: {
      tags, summary: 'Delete an agent and its versions (refused while numbers ring it)', params: AgentIdParams,
      response: { 204: Type.Null({ description: 'deleted' }), ...commonErrors, 409: error },
    },
  }, async (request, reply) => {
    await agents.delete(principal(request).tenantId, request.params.id);
    return reply.status(204).send(null);
  });

  app.get('/v1/agents/:id/versions', {
    onRequest: read,
    schema: { tags, summary: "An agent's versions, newest first", params: AgentIdParams, querystring: VersionListQuery, response: { 200: VersionList, ...commonErrors } },
  }, async (request) => agents.versions(principal(request).tenantId, request.params.id, request.query));

  app.get('/v1/agents/:id/versions/:version', {
    onRequest: read,
    schema: { tags, summary: 'One version of an agent', params: AgentVersionParams, response: { 200: Type.Ref('AgentVersion'), ...commonErrors } },
  }, async (request) => agents.version(principal(request).tenantId, request.params.id, request.params.version));
};

const ChangeList = Type.Object({
  changes: Type.Array(Type.Object({
    seq: Type.Integer(), tenantId: Type.String(), kind: Type.Union([Type.Literal('agent'), Type.Literal('number')]), key: Type.String(),
  }, { additionalProperties: false })),
  latest: Type.Integer({ description: 'the newest sequence number: ask `since` it next time' }),
}, { additionalProperties: false });

export const agentInternalRoutes: ControlModule = async (app, { ctx }) => {
  const agents = new AgentService(ctx.database.db, ctx.now);

  app.get('/internal/agents/:tenantId/:agentId', {
    schema: {
      summary: "An agent's published version as the edge runs it (secrets included, with its version)",
      params: Type.Object({ tenantId: Type.String({ maxLength: 200 }), agentId: Type.String({ maxLength: 200 }) }),
      response: { 200: AgentConfigSchema, 404: error },
    },
  }, async (request) => {
    const agent = await agents.publishedConfig(request.params.tenantId, request.params.agentId);
    if (!agent) throw notFound(`agent "${request.params.agentId}" of tenant "${request.params.tenantId}"`);
    return agent;
  });

  app.get('/internal/changes', {
    schema: {
      summary: 'Agent and number edits after sequence number `since` (edges drop those cached look-ups)',
      querystring: Type.Object({ since: Type.Integer({ minimum: 0 }), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: false }),
      response: { 200: ChangeList, 400: error },
    },
  }, async (request) => changesSince(ctx.database.db, request.query.since, request.query.limit));
};
