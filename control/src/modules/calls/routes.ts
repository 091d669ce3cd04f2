// GET /v1/calls (filtered, sorted, paginated list), /v1/calls/{id} (details) and /v1/calls/{id}/timeline (every
// event). Another tenant's call answers 404, as if it did not exist.
import type { ControlModule } from '../index.ts';
import { principal } from '../../plugins/auth.ts';
import { ApiError, commonErrors, notFound } from '../../plugins/errors.ts';
import { CallDetails, CallList, CallListQuery, CallParams, CallSummary, CallTimeline, CallUsage } from './schema.ts';
import { CallRepository } from './repository.ts';
import { detailsOf, summaryOf } from './details.ts';
import { numericQueryFields } from './query-numbers.ts';

const msOf = (iso: string | undefined, field: string): number | undefined => {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new ApiError(400, 'validation', `${field} is not a date-time`, `$.${field}`);
  return ms;
};

export const callRoutes: ControlModule = async (app, { ctx }) => {
  app.addSchema(CallUsage);
  app.addSchema(CallSummary);
  const calls = new CallRepository(ctx.database.db, ctx.database.dialect);
  const readCall = async (tenantId: string, id: string) => {
    const row = await calls.get(tenantId, id);
    if (!row) throw notFound(`call "${id}"`);
    return row;
  };

  app.get('/v1/calls', {
    onRequest: ctx.auth.requireScope('calls:read'),
    preValidation: numericQueryFields(CallListQuery),
    schema: {
      tags: ['calls'], summary: 'List calls: filter by agent, outcome, start time, duration or transcript text; sort; page with a cursor',
      querystring: CallListQuery, response: { 200: CallList, ...commonErrors },
    },
  }, async (request) => {
    const q = request.query;
    const { rows, nextCursor } = await calls.list(principal(request).tenantId, {
      agent: q.agent, outcome: q.outcome, fromMs: msOf(q.from, 'from'), toMs: msOf(q.to, 'to'),
      minDurationS: q.minDurationS, maxDurationS: q.maxDurationS, q: q.q,
      sort: q.sort ?? 'startedAt', order: q.order ?? 'desc', cursor: q.cursor, limit: q.limit ?? 50,
    });
    return { calls: rows.map(summaryOf), nextCursor };
  });

  app.get('/v1/calls/:id', {
    onRequest: ctx.auth.requireScope('calls:read'),
    schema: {
      tags: ['calls'], summary: 'One call: transcript, turns with their latencies, barge-ins, tool calls, agent version and usage',
      params: CallParams, response: { 200: CallDetails, ...commonErrors },
    },
  }, async (request) => {
    const row = await readCall(principal(request).tenantId, request.params.id);
    return detailsOf(row, await calls.events(row.id));
  });

  app.get('/v1/calls/:id/timeline', {
    onRequest: ctx.auth.requireScope('calls:read'),
    schema: { tags: ['calls'], summary: "Every event of a call's timeline, in order", params: CallParams, response: { 200: CallTimeline, ...commonErrors } },
  }, async (request) => {
    const row = await readCall(principal(request).tenantId, request.params.id);
    const events = await calls.events(row.id);
    return { callId: row.id, events: events.map((e) => ({ ...e, at: new Date(e.tsMs).toISOString() })) };
  });
};

