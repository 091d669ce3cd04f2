// Who is calling: a person with a short-lived JWT access token (role per tenant), or a machine with an API key
// (scopes). Both become one Principal; every route states the scope it needs and `requireScope` checks it, so a
// viewer's token and a key without `agents:write` are refused by the same line.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { jwtVerify, SignJWT } from 'jose';
import type { Role } from '../modules/tenants/tables.ts';
import { forbidden, unauthorized } from './errors.ts';

export const SCOPES = [
  'agents:read', 'agents:write', 'numbers:read', 'numbers:write', 'calls:read', 'calls:write', 'keys:read', 'keys:write',
  'users:read', 'users:write', 'edges:read', 'media',
  // Costing (docs/costing.md): a tenant's bills and profile; the price book is the operator's (its first tenant).
  'billing:read', 'billing:write', 'pricing:read', 'pricing:write',
] as const;
export type Scope = (typeof SCOPES)[number];

const READ: Scope[] = ['agents:read', 'numbers:read', 'calls:read', 'edges:read', 'billing:read'];
const ADMIN: Scope[] = [...READ, 'agents:write', 'numbers:write', 'calls:write', 'keys:read', 'keys:write', 'users:read', 'media', 'billing:write', 'pricing:read', 'pricing:write'];
/** What each role may do: a viewer reads, an admin runs the tenant, an owner also manages its people. */
export const ROLE_SCOPES: Record<Role, ReadonlySet<Scope>> = {
  viewer: new Set(READ),
  admin: new Set(ADMIN),
  owner: new Set([...ADMIN, 'users:write']),
};

export interface Principal {
  tenantId: string;
  kind: 'user' | 'key';
  /** The user, or the API key's id. */
  subjectId: string;
  role: Role | null;
  scopes: ReadonlySet<Scope>;
}

declare module 'fastify' {
  interface FastifyRequest { principal: Principal | null }
}

export interface AccessTokenClaims { userId: string; tenantId: string; role: Role; issuedAtMs?: number }

/** Looks up an API key (the whole secret as presented); null when unknown or revoked. */
export type ApiKeyLookup = (key: string) => Promise<Principal | null>;

/** A person's current standing in a tenant: their role now, and when their password last changed; null: gone. */
export type MemberLookup = (userId: string, tenantId: string) => Promise<{ role: Role; passwordChangedAtMs: number } | null>;

/** How long a person's standing is trusted before it is read again: the bound on how late a demotion, a removal
 * or a password change reaches access tokens already handed out (which otherwise live their whole 15 minutes). */
const MEMBER_CACHE_MS = 2_000;

export class AccessTokens {
  readonly #secret: Uint8Array;
  constructor(secret: string, readonly ttlS: number) {
    if (secret.length < 32) throw new Error('the JWT secret must be at least 32 characters (INVORTO_JWT_SECRET)');
    this.#secret = new TextEncoder().encode(secret);
  }

  async issue(claims: AccessTokenClaims, nowMs = Date.now()): Promise<string> {
    return new SignJWT({ tid: claims.tenantId, role: claims.role, typ: 'access' })
      .setProtectedHeader({ alg: 'HS256' }).setSubject(claims.userId).setIssuer('invorto-control')
      .setIssuedAt(Math.floor(nowMs / 1000)).setExpirationTime(Math.floor(nowMs / 1000) + this.ttlS).sign(this.#secret);
  }

  async verify(token: string): Promise<AccessTokenClaims> {
    try {
      const { payload } = await jwtVerify(token, this.#secret, { algorithms: ['HS256'], issuer: 'invorto-control' });
      const role = payload.role as Role;
      if (payload.typ !== 'access' || typeof payload.sub !== 'string' || typeof payload.tid !== 'string' || !ROLE_SCOPES[role]) throw new Error('not an access token');
      return { userId: payload.sub, tenantId: payload.tid, role, issuedAtMs: (payload.iat ?? 0) * 1000 };
    } catch (error) {
      const expired = (error as { code?: string }).code === 'ERR_JWT_EXPIRED';
      throw unauthorized(expired ? 'access token expired: refresh it (POST /v1/auth/refresh) or log in again' : 'invalid access token');
    }
  }
}

export class Authenticator {
  readonly #members = new Map<string, { atMs: number; standing: ReturnType<MemberLookup> }>();

  constructor(private readonly tokens: AccessTokens, private readonly lookupKey: ApiKeyLookup, private readonly lookupMember?: MemberLookup) {}

  /** The role the person holds now (null: removed, or the token predates a password change). */
  async #currentRole(claims: AccessTokenClaims): Promise<Role | null> {
    if (!this.lookupMember) return claims.role;
    const key = `${claims.userId}/${claims.tenantId}`;
    const now = Date.now();
    let cached = this.#members.get(key);
    if (!cached || now - cached.atMs > MEMBER_CACHE_MS) {
      if (this.#members.size > 10_000) this.#members.clear();
      cached = { atMs: now, standing: this.lookupMember(claims.userId, claims.tenantId) };
      this.#members.set(key, cached);
      cached.standing.catch(() => this.#members.delete(key));
    }
    const standing = await cached.standing;
    if (!standing) return null;
    // JWT times are whole seconds: a token from the same second as the change is still accepted.
    if (claims.issuedAtMs !== undefined && claims.issuedAtMs + 1000 <= standing.passwordChangedAtMs) return null;
    return standing.role;
  }

  /** The request's principal from `Authorization: Bearer …` (a JWT, or an API key starting `ivk_`). */
  async principalOf(request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw unauthorized('missing "Authorization: Bearer <access token or API key>" header');
    const credential = match[1];
    if (credential.startsWith('ivk_')) {
      const principal = await this.lookupKey(credential);
      if (!principal) throw unauthorized('unknown or revoked API key');
      return principal;
    }
    const claims = await this.tokens.verify(credential);
    const role = await this.#currentRole(claims);
    if (!role) throw unauthorized('this login has ended (password changed, or no longer a member): log in again');
    return { tenantId: claims.tenantId, kind: 'user', subjectId: claims.userId, role, scopes: ROLE_SCOPES[role] };
  }

  /** An onRequest hook: authenticates, then refuses a principal without `scope`. */
  requireScope(scope: Scope) {
    return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
      const principal = request.principal ?? await this.principalOf(request);
      request.principal = principal;
      if (!principal.scopes.has(scope)) {
        throw forbidden(principal.kind === 'key' ? `this API key lacks the "${scope}" scope` : `the ${principal.role} role may not do this (needs "${scope}")`);
      }
    };
  }
}

/** The authenticated principal of a route guarded by requireScope. */
export function principal(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized('not authenticated');
  return request.principal;
}
