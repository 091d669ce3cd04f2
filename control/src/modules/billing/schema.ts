// Billing records, usage and invoices as the API shows them. Money is integer paise; USD is a 6-place string.
import { Type } from 'typebox';
import { COMPONENTS } from '../pricing/types.ts';

const Paise = Type.Integer({ minimum: 0 });
const Percent = Type.String();

export const BillingLineBody = Type.Object({
  component: Type.String({ enum: [...COMPONENTS] }), provider: Type.String(), model: Type.String(),
  quantity: Type.Integer({ minimum: 0 }), quantityUnit: Type.String({ enum: ['ms', 'chars', 'tokens', 'calls'] }),
  unitPrice: Type.String(), priceUnit: Type.String(), currency: Type.String({ enum: ['USD', 'INR'] }), priceEntryId: Type.String(),
  usd: Type.Union([Type.String(), Type.Null()]),
  costPaise: Paise, markupPaise: Paise, taxablePaise: Paise, cgstPaise: Paise, sgstPaise: Paise, igstPaise: Paise, gstPaise: Paise, totalPaise: Paise,
  unknownModel: Type.Boolean(),
}, { $id: 'BillingLine', additionalProperties: false });

const Totals = Type.Object({
  usdMicros: Paise, costPaise: Paise, markupPaise: Paise, taxablePaise: Paise, cgstPaise: Paise, sgstPaise: Paise, igstPaise: Paise, gstPaise: Paise, totalPaise: Paise,
}, { additionalProperties: false });

export const BillingRecordBody = Type.Object({
  id: Type.String(), callId: Type.String(), version: Type.Integer({ minimum: 1 }), current: Type.Boolean(), tenantId: Type.String(), agentId: Type.String(),
  startedAt: Type.String({ format: 'date-time' }),
  status: Type.String({ enum: ['priced', 'unpriced'] }),
  error: Type.Union([Type.String(), Type.Null()], { description: 'why the call is unpriced (names the date); null when priced' }),
  fxRate: Type.Union([Type.String(), Type.Null()]),
  terms: Type.Object({ markupPercent: Percent, gstPercent: Percent, taxMode: Type.String({ enum: ['intra', 'inter'] }) }, { additionalProperties: false }),
  lines: Type.Array(Type.Ref('BillingLine')), totals: Totals,
  flags: Type.Array(Type.String(), { description: 'lines priced by the default for unknown models' }),
  invoiceId: Type.Union([Type.String(), Type.Null()], { description: 'the invoice that counted this version' }),
  createdAt: Type.String({ format: 'date-time' }),
}, { $id: 'BillingRecord', additionalProperties: false });

const Range = {
  from: Type.String({ maxLength: 40, description: 'YYYY-MM-DD (midnight IST) or an ISO time, inclusive' }),
  to: Type.String({ maxLength: 40, description: 'YYYY-MM-DD (midnight IST) or an ISO time, exclusive' }),
};
export const RecordListQuery = Type.Object({
  ...Range, cursor: Type.Optional(Type.String({ maxLength: 200 })), limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$|^1000$', description: 'records per page, 1-1000 (default 100)' })),
  tenantId: Type.Optional(Type.String({ maxLength: 100, description: 'operator only: another tenant' })),
}, { additionalProperties: false });

export const UsageQuery = Type.Object({
  ...Range, group_by: Type.String({ enum: ['agent', 'day', 'month', 'component'] }),
  tenantId: Type.Optional(Type.String({ maxLength: 100, description: 'operator only: another tenant' })),
}, { additionalProperties: false });

const UsageTotals = { costPaise: Paise, markupPaise: Paise, gstPaise: Paise, totalPaise: Paise };
export const UsageBody = Type.Object({
  from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }), groupBy: Type.String(),
  groups: Type.Array(Type.Object({
    key: Type.String(), calls: Paise, quantity: Type.Union([Type.Integer(), Type.Null()]), quantityUnit: Type.Union([Type.String(), Type.Null()]), ...UsageTotals,
  }, { additionalProperties: false })),
  totals: Type.Object({ calls: Paise, unpricedCalls: Paise, ...UsageTotals }, { additionalProperties: false }),
}, { $id: 'Usage', additionalProperties: false });

const Party = Type.Object({ legalName: Type.String(), gstin: Type.String(), address: Type.String(), stateCode: Type.String() }, { additionalProperties: false });
const Amounts = { costPaise: Paise, markupPaise: Paise, taxablePaise: Paise, cgstPaise: Paise, sgstPaise: Paise, igstPaise: Paise, totalPaise: Paise };
export const InvoiceBody = Type.Object({
  id: Type.String(), number: Type.String({ description: 'INV/<financial year>/<sequence within it, per tenant>' }), tenantId: Type.String(),
  period: Type.String(), financialYear: Type.String(), issuedAt: Type.String({ format: 'date-time' }),
  supplier: Party, recipient: Party, placeOfSupply: Type.String(), taxMode: Type.String({ enum: ['intra', 'inter', 'mixed'] }), gstPercent: Type.String(),
  calls: Paise,
  groups: Type.Array(Type.Object({
    component: Type.String(), label: Type.String(), calls: Paise, ...Amounts,
    items: Type.Array(Type.Object({ provider: Type.String(), model: Type.String(), calls: Paise, quantity: Paise, quantityUnit: Type.String(), ...Amounts }, { additionalProperties: false })),
  }, { additionalProperties: false })),
  subtotalPaise: Paise, cgstPaise: Paise, sgstPaise: Paise, igstPaise: Paise, gstPaise: Paise, totalPaise: Paise, totalInWords: Type.String(),
}, { $id: 'Invoice', additionalProperties: false });

export const InvoiceSummaryBody = Type.Object({
  id: Type.String(), number: Type.String(), period: Type.String(), financialYear: Type.String(), issuedAt: Type.String({ format: 'date-time' }), totalPaise: Paise,
}, { $id: 'InvoiceSummary', additionalProperties: false });

export const CallUsageBody = Type.Object({
  callId: Type.String({ minLength: 1, maxLength: 200 }), tenantId: Type.String({ minLength: 1, maxLength: 100 }), agentId: Type.String({ maxLength: 200 }),
  startedAtMs: Type.Integer({ minimum: 0 }),
  telephony: Type.Union([Type.Object({ carrier: Type.String({ maxLength: 100 }), direction: Type.String({ enum: ['inbound', 'outbound'] }), seconds: Type.Number({ minimum: 0 }) }, { additionalProperties: false }), Type.Null()]),
  asr: Type.Array(Type.Object({ provider: Type.String({ maxLength: 100 }), model: Type.String({ maxLength: 100 }), seconds: Type.Number({ minimum: 0 }) }, { additionalProperties: false }), { maxItems: 50 }),
  llm: Type.Array(Type.Object({
    provider: Type.String({ maxLength: 100 }), model: Type.String({ maxLength: 100 }), inputTokens: Type.Integer({ minimum: 0 }),
    cachedInputTokens: Type.Integer({ minimum: 0 }), outputTokens: Type.Integer({ minimum: 0 }),
  }, { additionalProperties: false }), { maxItems: 50 }),
  tts: Type.Array(Type.Object({ provider: Type.String({ maxLength: 100 }), model: Type.String({ maxLength: 100 }), characters: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }), { maxItems: 50 }),
  tools: Type.Array(Type.Object({ name: Type.String({ maxLength: 200 }), calls: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }), { maxItems: 200 }),
}, { additionalProperties: false });

export const BudgetBody = Type.Object({
  tenantId: Type.String(), month: Type.String(), monthlyBudgetPaise: Type.Union([Paise, Type.Null()]), spentPaise: Paise,
  remainingPaise: Type.Union([Paise, Type.Null()]), callCapPaise: Type.Union([Paise, Type.Null()]), unpricedCalls: Paise,
  /** All-in rates (cost, markup, GST) per ms, character or token, in micro-paise: the edge's running estimate. */
  estimateRates: Type.Array(Type.Object({ component: Type.String(), provider: Type.String(), model: Type.String(), microPaisePerUnit: Paise }, { additionalProperties: false })),
}, { additionalProperties: false });
