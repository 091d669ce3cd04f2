// A tenant's billing: records per call (versioned), usage totals, invoices (JSON, CSV, PDF) and its GST profile.
// Each route works on the caller's own tenant; the operator may name another with ?tenantId= (operator.ts).
// Internal (edges, the calls module): a call's usage in, a tenant's remaining budget out.
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { ControlModule } from '../index.ts';
import { principal } from '../../plugins/auth.ts';
import { ApiError, commonErrors, forbidden, notFound } from '../../plugins/errors.ts';
import { OperatorCheck } from '../tenants/operator.ts';
import { ProfileBody, ProfileInput } from '../pricing/schema.ts';
import { PricingService } from '../pricing/service.ts';
import { parseEffective } from '../pricing/time.ts';
import { invoiceCsv, invoicePdf } from './invoice-formats.ts';
import { Invoices } from './invoices.ts';
import { BillingRecords } from './records.ts';
import { BillingLineBody, BillingRecordBody, BudgetBody, CallUsageBody, InvoiceBody, InvoiceSummaryBody, RecordListQuery, UsageBody, UsageQuery } from './schema.ts';
import { estimateRates } from './estimate-rates.ts';
import { budgetOf, usageReport, type GroupBy } from './usage-report.ts';

const tags = ['billing'];

function range(query: { from: string; to: string }): [number, number] {
  const parse = (value: string, path: string) => {
    try { return parseEffective(value, path.slice(2)); } catch (error) { throw new ApiError(400, 'validation', (error as Error).message, path); }
  };
  const from = parse(query.from, '$.from');
  const to = parse(query.to, '$.to');
  if (to <= from) throw new ApiError(400, 'validation', '"to" must be after "from"', '$.to');
  return [from, to];
}

export const billingRoutes: ControlModule = async (app, { ctx }) => {
  for (const schema of [BillingLineBody, BillingRecordBody, UsageBody, InvoiceBody, InvoiceSummaryBody, ProfileBody]) app.addSchema(schema);
  const db = ctx.database.db;
  const pricing = new PricingService(db, ctx.now);
  const records = new BillingRecords(db, pricing, ctx.now);
  const invoices = new Invoices(db, records, pricing, ctx.now);
  const operator = new OperatorCheck(db);
  /** The caller's tenant, or (operator only) the one it names. */
  const tenantOf = async (request: FastifyRequest, requested?: string) => {
    const who = principal(request);
    if (!requested || requested === who.tenantId) return who.tenantId;
    if (who.tenantId !== await operator.operatorTenantId() || !who.scopes.has('pricing:read')) throw forbidden('only the operator may read another tenant\'s billing');
    return requested;
  };
  const read = ctx.auth.requireScope('billing:read');
  const write = ctx.auth.requireScope('billing:write');
  const TenantQuery = Type.Object({ tenantId: Type.Optional(Type.String({ maxLength: 100 })) }, { additionalProperties: false });
  const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });

  app.get('/v1/billing/records', {
    onRequest: read,
    schema: { tags, summary: 'Billing records (current versions) of calls started in [from, to), oldest first', querystring: RecordListQuery,
      response: { 200: Type.Object({ records: Type.Array(Type.Ref('BillingRecord')), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...commonErrors } },
  }, async (request) => {
    const tenantId = await tenantOf(request, request.query.tenantId);
    const [from, to] = range(request.query);
    const limit = Number(request.query.limit ?? 100);
    const cursor = request.query.cursor ? Buffer.from(request.query.cursor, 'base64url').toString().split('\u0000') : null;
    const list = await records.list(tenantId, from, to, { limit: limit + 1, after: cursor ? { startedAt: Number(cursor[0]), callId: cursor[1] ?? '' } : undefined });
    const page = list.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor = list.length > limit && last ? Buffer.from(`${Date.parse(last.startedAt)}\u0000${last.callId}`).toString('base64url') : null;
    return { records: page, nextCursor };
  });

  app.get('/v1/billing/records/:callId', {
    onRequest: read,
    schema: { tags, summary: "A call's billing record: the current version and every earlier one", params: Type.Object({ callId: Type.String({ maxLength: 200 }) }), querystring: TenantQuery,
      response: { 200: Type.Object({ current: Type.Ref('BillingRecord'), versions: Type.Array(Type.Ref('BillingRecord')) }), ...commonErrors } },
  }, async (request) => {
    const tenantId = await tenantOf(request, request.query.tenantId);
    const versions = await records.versions(request.params.callId, tenantId);
    const current = versions.find((v) => v.current);
    if (!current) throw notFound('billing record');
    return { current, versions };
  });

  app.post('/v1/billing/reprice', {
    onRequest: [ctx.auth.requireScope('pricing:write'), operator.hook()],
    schema: { tags, summary: 'Price calls started in [from, to) again with the current book (operator): a new version where the result differs',
      body: Type.Object({ ...{ from: Type.String({ maxLength: 40 }), to: Type.String({ maxLength: 40 }) }, tenantId: Type.Optional(Type.String({ maxLength: 100 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ calls: Type.Integer(), newVersions: Type.Integer() }), ...commonErrors } },
  }, async (request) => {
    const [from, to] = range(request.body);
    return records.repriceRange(from, to, request.body.tenantId);
  });

  app.get('/v1/usage', {
    onRequest: read,
    schema: { tags, summary: 'Usage and cost totals over [from, to), grouped by agent, IST day or month, or component', querystring: UsageQuery, response: { 200: Type.Ref('Usage'), ...commonErrors } },
  }, async (request) => {
    const tenantId = await tenantOf(request, request.query.tenantId);
    const [from, to] = range(request.query);
    return usageReport(db, tenantId, from, to, request.query.group_by as GroupBy);
  });

  app.get('/v1/billing/profile', {
    onRequest: read,
    schema: { tags, summary: "The tenant's GST profile (recipient on invoices; its state is the place of supply)", response: { 200: Type.Ref('BillingProfile'), ...commonErrors } },
  }, async (request) => {
    const profile = await pricing.repo.profile(principal(request).tenantId);
    return profile ? { legalName: profile.legalName, gstin: profile.gstin, address: profile.address, stateCode: profile.stateCode } : { legalName: '', gstin: '', address: '', stateCode: '' };
  });

  app.put('/v1/billing/profile', {
    onRequest: write,
    schema: { tags, summary: "Set the tenant's GST profile", body: ProfileInput, response: { 200: Type.Ref('BillingProfile'), ...commonErrors } },
  }, async (request) => {
    if (request.body.gstPercent !== undefined) throw new ApiError(400, 'validation', 'GST is set by the operator, not on a tenant profile', '$.gstPercent');
    const { gstPercent: _ignored, ...profile } = await pricing.setProfile(principal(request).tenantId, { ...request.body, gstPercent: null });
    return profile;
  });

  app.post('/v1/invoices', {
    onRequest: write,
    schema: { tags, summary: "Issue the invoice for a closed IST month (again: the same invoice)", body: Type.Object({ period: Type.String({ pattern: '^\\d{4}-\\d{2}$' }), tenantId: Type.Optional(Type.String({ maxLength: 100 })) }, { additionalProperties: false }),
      response: { 200: Type.Ref('Invoice'), 201: Type.Ref('Invoice'), ...commonErrors, 409: Type.Ref('Error') } },
  }, async (request, reply) => {
    const tenantId = await tenantOf(request, request.body.tenantId);
    if (tenantId !== principal(request).tenantId && !principal(request).scopes.has('pricing:write')) throw forbidden('issuing another tenant\'s invoice needs pricing:write');
    const { invoice, created } = await invoices.issue(tenantId, request.body.period);
    return reply.status(created ? 201 : 200).send(invoice);
  });

  app.get('/v1/invoices', {
    onRequest: read,
    schema: { tags, summary: "The tenant's invoices", querystring: TenantQuery, response: { 200: Type.Object({ invoices: Type.Array(Type.Ref('InvoiceSummary')) }), ...commonErrors } },
  }, async (request) => ({ invoices: await invoices.list(await tenantOf(request, request.query.tenantId)) }));

  app.get('/v1/invoices/:id', {
    onRequest: read,
    schema: { tags, summary: 'An invoice (JSON)', params: IdParams, querystring: TenantQuery, response: { 200: Type.Ref('Invoice'), ...commonErrors } },
  }, async (request) => invoices.get(await tenantOf(request, request.query.tenantId), request.params.id));

  app.get('/v1/invoices/:id/csv', {
    onRequest: read,
    schema: { tags, summary: 'An invoice as CSV', params: IdParams, querystring: TenantQuery,
      response: { 200: { description: 'the invoice', content: { 'text/csv': { schema: { type: 'string' } } } }, ...commonErrors } },
  }, async (request, reply) => {
    const invoice = await invoices.get(await tenantOf(request, request.query.tenantId), request.params.id);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${invoice.number.replace(/\//g, '-')}.csv"`).send(invoiceCsv(invoice));
  });

  app.get('/v1/invoices/:id/pdf', {
    onRequest: read,
    schema: { tags, summary: 'An invoice as PDF', params: IdParams, querystring: TenantQuery,
      response: { 200: { description: 'the invoice', content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } } }, ...commonErrors } },
  }, async (request, reply) => {
    const invoice = await invoices.get(await tenantOf(request, request.query.tenantId), request.params.id);
    return reply.type('application/pdf').header('content-disposition', `attachment; filename="${invoice.number.replace(/\//g, '-')}.pdf"`).send(Buffer.from(await invoicePdf(invoice)));
  });
};

export const billingInternalRoutes: ControlModule = async (app, { ctx }) => {
  app.addSchema(BillingLineBody);
  app.addSchema(BillingRecordBody);
  const db = ctx.database.db;
  const pricing = new PricingService(db, ctx.now);
  const records = new BillingRecords(db, pricing, ctx.now);

  // The seam for whatever builds call records (the calls module's timeline consumer, or an edge): a call's usage
  // in, its priced record out. Sending the same usage again changes nothing.
  app.post('/internal/billing/usage', {
    schema: { tags, summary: "Record a call's usage and price it", body: CallUsageBody, response: { 200: Type.Ref('BillingRecord') } },
  }, async (request) => records.recordCall(request.body as Parameters<BillingRecords['recordCall']>[0]));

  // The seam for the edge's limits: what a tenant has spent this IST month, its budget and per-call cap, and the
  // rates the edge prices a running call with.
  app.get('/internal/budgets/:tenantId', {
    schema: { tags, summary: "A tenant's budget, spend this month and per-call cap", params: Type.Object({ tenantId: Type.String({ maxLength: 100 }) }), response: { 200: BudgetBody } },
  }, async (request) => ({ ...await budgetOf(db, pricing, request.params.tenantId, ctx.now()), estimateRates: await estimateRates(pricing, request.params.tenantId, ctx.now()) }));
};
