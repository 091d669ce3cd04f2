// API keys as the API shows them: never the secret nor its hash, except the secret once, in the creation answer.
import { Type, type Static } from 'typebox';
import { ScopeField } from '../users/schema.ts';

export const ApiKey = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'the visible start of the secret (ivk_…), to recognise a key' }),
  scopes: Type.Array(ScopeField),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'to the minute; null if never used' }),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
}, { $id: 'ApiKey', additionalProperties: false });
export type ApiKey = Static<typeof ApiKey>;

export const ApiKeyList = Type.Object({ items: Type.Array(Type.Ref('ApiKey')) }, { additionalProperties: false });

export const ApiKeyCreate = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  scopes: Type.Array(ScopeField, { minItems: 1, maxItems: 64, description: 'at most the scopes of whoever creates the key' }),
}, { additionalProperties: false });

export const ApiKeyCreated = Type.Object({
  key: Type.Ref('ApiKey'),
  secret: Type.String({ description: 'the key itself, for `Authorization: Bearer …`: shown only here, keep it safe' }),
}, { additionalProperties: false });

export const ApiKeyParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });

export const TenantForKey = Type.Object({
  tenantId: Type.String(),
  scopes: Type.Array(ScopeField),
}, { additionalProperties: false });
