// The tenant as the API shows it.
import { Type, type Static } from 'typebox';

export const TenantBody = Type.Object({
  id: Type.String(),
  name: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  role: Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('viewer'), Type.Null()], { description: "the caller's role; null for an API key" }),
}, { $id: 'Tenant', additionalProperties: false });
export type TenantBody = Static<typeof TenantBody>;

export const TenantUpdate = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
}, { additionalProperties: false });
