// /v1/pricing: the operator's price book, exchange rates, tenants' terms and the operator's billing profile.
// Every route needs a pricing scope *and* the operator tenant (operator.ts): tenants never see vendor costs.
import { Type } from 'typebox';
import type { ControlModule } from '../index.ts';
import { ApiError, commonErrors, notFound } from '../../plugins/errors.ts';
import { TenantRepository } from '../tenants/repository.ts';
import { OperatorCheck } from '../tenants/operator.ts';
import { FxRateBody, FxRateInput, PriceEntryBody, PriceInput, ProfileBody, ProfileInput, TermsBody, TermsInput } from './schema.ts';
import { OPERATOR, PricingService } from './service.ts';
import type { FxRate, PriceEntry } from './types.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
export const entryJson = (e: PriceEntry) => ({
  id: e.id, tenantId: e.tenantId, component: e.component, provider: e.provider, model: e.model, currency: e.currency, price: e.price, unit: e.unit,
  effectiveFrom: iso(e.effectiveFromMs)!, effectiveTo: iso(e.effectiveToMs), source: e.source,
});
export const rateJson = (r: FxRate) => ({ id: r.id, rate: r.rate, effectiveFrom: iso(r.effectiveFromMs)!, effectiveTo: iso(r.effectiveToMs), source: r.source });

const tags = ['pricing'];
const writeErrors = { ...commonErrors, 409: Type.Ref('Error') };

export const pricingRoutes: ControlModule = async (app, { ctx }) => {
  for (const schema of [PriceEntryBody, FxRateBody, TermsBody, ProfileBody]) app.addSchema(schema);
  const pricing = new PricingService(ctx.database.db, ctx.now, ctx.database.dialect);
  await pricing.ensureDefaults();
  const operator = new OperatorCheck(ctx.database.db);
  const tenants = new TenantRepository(ctx.database.db);
  const read = [ctx.auth.requireScope('pricing:read'), operator.hook()];
  const write = [ctx.auth.requireScope('pricing:write'), operator.hook()];
  const TenantParams = Type.Object({ tenantId: Type.String({ maxLength: 100 }) });
  const knownTenant = async (id: string) => { if (!(await tenants.tenant(id))) throw notFound('tenant'); };

  app.get('/v1/pricing/prices', {
    onRequest: read,
    schema: {
      tags, summary: 'The price book (every entry, past and future), filtered',
      querystring: Type.Object({
        component: Type.Optional(Type.String({ maxLength: 40 })), provider: Type.Optional(Type.String({ maxLength: 100 })),
        model: Type.Optional(Type.String({ maxLength: 100 })), at: Type.Optional(Type.String({ maxLength: 40, description: 'only entries in force at this ISO time' })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ prices: Type.Array(Type.Ref('PriceEntry')) }), ...commonErrors },
    },
  }, async (request) => {
    const { component, provider, model, at } = request.query;
    const atMs = at ? Date.parse(at) : null;
    if (Number.isNaN(atMs)) throw new ApiError(400, 'validation', `querystring $.at: not an ISO time ("${at}")`, '$.at');
    const entries = (await pricing.repo.entries()).filter((e) => (!component || e.component === component) && (!provider || e.provider === provider)
      && (!model || e.model === model) && (atMs === null || (e.effectiveFromMs <= atMs && (e.effectiveToMs === null || atMs < e.effectiveToMs))));
    return { prices: entries.map(entryJson) };
  });

  app.post('/v1/pricing/prices', {
    onRequest: write,
    schema: {
      tags, summary: 'Add a price from a date; an open-ended price supersedes the open one of its key (closed where the new starts)', body: PriceInput,
      response: { 201: Type.Object({ price: Type.Ref('PriceEntry'), superseded: Type.Union([Type.String(), Type.Null()]) }), ...writeErrors },
    },
  }, async (request, reply) => {
    if (request.body.tenantId) await knownTenant(request.body.tenantId);
    const { entry, superseded } = await pricing.addPrice(request.body);
    return reply.status(201).send({ price: entryJson(entry), superseded });
  });

  app.get('/v1/pricing/fx-rates', {
    onRequest: read,
    schema: { tags, summary: 'USD→INR rates, effective-dated', response: { 200: Type.Object({ rates: Type.Array(Type.Ref('FxRate')) }), ...commonErrors } },
  }, async () => ({ rates: (await pricing.repo.rates()).map(rateJson) }));

  app.post('/v1/pricing/fx-rates', {
    onRequest: write,
    schema: {
      tags, summary: 'Add a USD→INR rate from a date (supersedes the open one)', body: FxRateInput,
      response: { 201: Type.Object({ rate: Type.Ref('FxRate'), superseded: Type.Union([Type.String(), Type.Null()]) }), ...writeErrors },
    },
  }, async (request, reply) => {
    const { rate, superseded } = await pricing.addRate(request.body);
    return reply.status(201).send({ rate: rateJson(rate), superseded });
  });

  app.get('/v1/pricing/tenants/:tenantId', {
    onRequest: read,
    schema: { tags, summary: "A tenant's markup, GST override, budget and caps", params: TenantParams, response: { 200: Type.Ref('TenantTerms'), ...commonErrors } },
  }, async (request) => {
    await knownTenant(request.params.tenantId);
    return pricing.termsOf(request.params.tenantId);
  });

  app.put('/v1/pricing/tenants/:tenantId', {
    onRequest: write,
    schema: { tags, summary: "Set a tenant's markup, GST override, budget and caps (fields left out keep their value)", params: TenantParams, body: TermsInput, response: { 200: Type.Ref('TenantTerms'), ...commonErrors } },
  }, async (request) => {
    await knownTenant(request.params.tenantId);
    return pricing.setTerms(request.params.tenantId, request.body);
  });

  app.get('/v1/pricing/operator', {
    onRequest: read,
    schema: { tags, summary: "The operator's billing profile (seller on invoices; gstPercent is the default GST)", response: { 200: Type.Ref('BillingProfile'), ...commonErrors } },
  }, async () => (await pricing.repo.profile(OPERATOR)) ?? { legalName: '', gstin: '', address: '', stateCode: '', gstPercent: null });

  app.put('/v1/pricing/operator', {
    onRequest: write,
    schema: { tags, summary: "Set the operator's billing profile", body: ProfileInput, response: { 200: Type.Ref('BillingProfile'), ...commonErrors } },
  }, async (request) => pricing.setProfile(OPERATOR, { ...request.body, gstPercent: request.body.gstPercent ?? null }));
};
