// People and their sessions as the API shows them. Password and refresh-token fields are accepted, never returned
// (except a one-time password, once, when a person is added).
import { Type, type Static } from 'typebox';
import { SCOPES } from '../../plugins/auth.ts';
import { MIN_PASSWORD_LENGTH } from './passwords.ts';

export const RoleField = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('viewer')], { description: 'owner: everything, including people; admin: runs the tenant; viewer: reads' });
export const ScopeField = Type.Enum(SCOPES, { description: 'what a key may do' });

const Password = Type.String({ minLength: 1, maxLength: 1024 });

export const UserRef = Type.Object({ id: Type.String(), email: Type.String() }, { additionalProperties: false });

export const LoginBody = Type.Object({
  email: Type.String({ minLength: 1, maxLength: 254 }),
  password: Password,
  tenantId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'the tenant to act in, for a person in several (default: the oldest membership)' })),
}, { additionalProperties: false });
export type LoginBody = Static<typeof LoginBody>;

export const Session = Type.Object({
  accessToken: Type.String({ description: 'a JWT for `Authorization: Bearer …`; short-lived' }),
  refreshToken: Type.String({ description: 'single use: POST /v1/auth/refresh trades it for a new pair' }),
  expiresIn: Type.Integer({ description: 'seconds the access token lasts' }),
  tenantId: Type.String(),
  role: RoleField,
  user: UserRef,
}, { $id: 'Session', additionalProperties: false });
export type Session = Static<typeof Session>;

export const RefreshBody = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

export const PasswordChange = Type.Object({
  currentPassword: Password,
  newPassword: Type.String({ minLength: MIN_PASSWORD_LENGTH, maxLength: 1024 }),
}, { additionalProperties: false });

export const Me = Type.Object({
  kind: Type.Union([Type.Literal('user'), Type.Literal('key')]),
  tenantId: Type.String(),
  role: Type.Union([RoleField, Type.Null()], { description: 'null for an API key' }),
  scopes: Type.Array(ScopeField),
  user: Type.Union([UserRef, Type.Null()], { description: 'null for an API key' }),
  keyId: Type.Union([Type.String(), Type.Null()], { description: 'the API key, when a key is calling' }),
  tenants: Type.Array(Type.Object({ tenantId: Type.String(), name: Type.String(), role: RoleField }, { additionalProperties: false }), {
    description: "every tenant the person belongs to (log in with tenantId to act in another); empty for a key",
  }),
}, { $id: 'Me', additionalProperties: false });
export type Me = Static<typeof Me>;

export const User = Type.Object({
  id: Type.String(),
  email: Type.String(),
  role: RoleField,
  createdAt: Type.String({ format: 'date-time', description: 'when the person joined this tenant' }),
}, { $id: 'User', additionalProperties: false });
export type User = Static<typeof User>;

export const UserList = Type.Object({ items: Type.Array(Type.Ref('User')) }, { additionalProperties: false });

export const UserCreate = Type.Object({
  // Anything before the @ (quoted local parts may hold spaces and quotes); a dotted domain after it.
  email: Type.String({ maxLength: 254, pattern: '^[^@]+@[^@\\s]+\\.[^@\\s]+$' }),
  role: RoleField,
}, { additionalProperties: false });

export const UserCreated = Type.Object({
  user: Type.Ref('User'),
  password: Type.Union([Type.String(), Type.Null()], { description: 'one-time password for a new account, shown only here; null when the person already had an account' }),
}, { additionalProperties: false });

export const UserUpdate = Type.Object({ role: RoleField }, { additionalProperties: false });

export const UserParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });
