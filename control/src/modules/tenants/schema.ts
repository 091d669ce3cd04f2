// The tenant as the API shows it.
import { Type, type Static } from 'typebox';

export const TenantBody = Type.Object({
  id: Type.String(),
  name: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  retentionDays: Type.Union([Type.Integer(), Type.Null()], { description: "days call artifacts (recordings, transcripts) are kept; an agent's recording.retentionDays overrides it for its calls; null: no limit" }),
  role: Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('viewer'), Type.Null()], { description: "the caller's role; null for an API key" }),
}, { $id: 'Tenant', additionalProperties: false });
export type TenantBody = Static<typeof TenantBody>;

export const TenantUpdate = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  retentionDays: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()], { description: 'days call artifacts are kept, 1-3650; null: no limit' })),
}, { additionalProperties: false });
