// The price book, exchange rates and terms as the API shows and takes them. Prices, rates and percentages are
// decimal strings, so no binary float ever touches them; money is integer paise.
import { Type, type Static } from 'typebox';
import { COMPONENTS } from './types.ts';

const Decimal = (description: string) => Type.String({ maxLength: 40, description });
const When = Type.String({ maxLength: 40, description: 'YYYY-MM-DD (midnight IST) or an ISO date-time' });
const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9*][A-Za-z0-9._:/*-]*$' });

export const PriceEntryBody = Type.Object({
  id: Type.String(),
  tenantId: Type.Union([Type.String(), Type.Null()], { description: "null: the operator's book; a tenant id: that tenant's override" }),
  component: Type.String({ enum: [...COMPONENTS] }),
  provider: Type.String(),
  model: Type.String({ description: 'for telephony the direction (inbound | outbound); * for any model' }),
  currency: Type.String({ enum: ['USD', 'INR'] }),
  price: Type.String({ description: 'per unit, decimal' }),
  unit: Type.String({ enum: ['minute', '1k_chars', '1m_tokens', 'call'] }),
  effectiveFrom: Type.String({ format: 'date-time' }),
  effectiveTo: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  source: Type.String({ description: 'where the price came from and when it was read' }),
}, { $id: 'PriceEntry', additionalProperties: false });

export const PriceInput = Type.Object({
  component: Type.String({ enum: [...COMPONENTS] }),
  provider: Name,
  model: Name,
  price: Decimal('per unit (per minute, per 1,000 characters, per 1M tokens, per call), e.g. "0.0077"'),
  currency: Type.Optional(Type.String({ enum: ['USD', 'INR'] })),
  tenantId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'make this an override for one tenant' })),
  effectiveFrom: When,
  effectiveTo: Type.Optional(When),
  source: Type.Optional(Type.String({ maxLength: 300 })),
}, { additionalProperties: false });
export type PriceInput = Static<typeof PriceInput>;

export const FxRateBody = Type.Object({
  id: Type.String(),
  rate: Type.String({ description: 'rupees per US dollar' }),
  effectiveFrom: Type.String({ format: 'date-time' }),
  effectiveTo: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  source: Type.String(),
}, { $id: 'FxRate', additionalProperties: false });

export const FxRateInput = Type.Object({
  rate: Decimal('rupees per US dollar, e.g. "84.2500"'),
  effectiveFrom: When,
  effectiveTo: Type.Optional(When),
  source: Type.Optional(Type.String({ maxLength: 300 })),
}, { additionalProperties: false });

const Paise = Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]);
export const TermsBody = Type.Object({
  tenantId: Type.String(),
  markupPercent: Type.String(),
  gstPercent: Type.Union([Type.String(), Type.Null()], { description: "null: the operator's default (18 % unless set)" }),
  monthlyBudgetPaise: Paise,
  callCapPaise: Paise,
}, { $id: 'TenantTerms', additionalProperties: false });

export const TermsInput = Type.Object({
  markupPercent: Type.Optional(Decimal('percent on cost, e.g. "20"')),
  gstPercent: Type.Optional(Type.Union([Decimal('percent, e.g. "18"'), Type.Null()])),
  monthlyBudgetPaise: Type.Optional(Paise),
  callCapPaise: Type.Optional(Paise),
}, { additionalProperties: false });

const profileFields = {
  legalName: Type.String({ maxLength: 200 }),
  gstin: Type.String({ maxLength: 15, description: 'empty when unregistered' }),
  address: Type.String({ maxLength: 500 }),
  stateCode: Type.String({ maxLength: 2, description: 'two-digit GST state code: the place of supply' }),
  gstPercent: Type.Optional(Type.Union([Type.String({ maxLength: 10 }), Type.Null()], { description: "operator: the default GST percent; not on a tenant's profile" })),
};
/** A GST profile as shown (by reference). */
export const ProfileBody = Type.Object(profileFields, { $id: 'BillingProfile', additionalProperties: false });
/** The same as a request body: a schema of its own, without the shared $id. */
export const ProfileInput = Type.Object(profileFields, { additionalProperties: false });
export type ProfileBody = Static<typeof ProfileBody>;
