// /v1/auth: log in, refresh, log out, change one's password, and who am I. Logins are rate limited per email and
// client address (stricter than the global limit), with a looser cap per address across emails.
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { ControlModule } from '../index.ts';
import { sha256 } from '../../ids.ts';
import { principal } from '../../plugins/auth.ts';
import { ApiError, commonErrors, forbidden } from '../../plugins/errors.ts';
import { TenantRepository } from '../tenants/repository.ts';
import { LoginBody, Me, PasswordChange, RefreshBody, Session } from './schema.ts';
import { SessionService } from './sessions.ts';

const MINUTE_MS = 60_000;
/** Routes with a body may also answer 413 (over the body limit). */
const errors = { ...commonErrors, 413: Type.Ref('Error') };
const tooMany = (ttlS: number) => new ApiError(429, 'rate_limited', `too many login attempts: try again in ${ttlS} s`);

export const authRoutes: ControlModule = async (app, { ctx }) => {
  app.addSchema(Session);
  app.addSchema(Me);
  const sessions = new SessionService(ctx);
  const people = new TenantRepository(ctx.database.db);
  const loginMax = ctx.settings.loginRateLimitPerMin;
  /** Any principal: a person's access token or an API key. */
  const authenticated = async (request: FastifyRequest) => { request.principal ??= await ctx.auth.principalOf(request); };
  // One address trying many emails is capped too (ten emails' worth of attempts).
  const perAddress = app.createRateLimit({ max: loginMax * 10, timeWindow: MINUTE_MS, keyGenerator: (request) => `login-ip:${request.ip}` });

  app.post('/v1/auth/login', {
    onRequest: async (request) => {
      const limit = await perAddress(request);
      if (!limit.isAllowed && limit.isExceeded) throw tooMany(limit.ttlInSeconds);
    },
    config: {
      rateLimit: {
        max: loginMax, timeWindow: MINUTE_MS, hook: 'preValidation',
        keyGenerator: (request) => `login:${sha256(String((request.body as { email?: unknown } | null)?.email ?? '').trim().toLowerCase())}:${request.ip}`,
      },
    },
    schema: {
      tags: ['auth'], summary: 'Log in with email and password', security: [],
      description: `Answers an access token (for \`Authorization: Bearer\`) and a single-use refresh token. At most ${loginMax} attempts a minute per email and address.`,
      body: LoginBody, response: { 200: Type.Ref('Session'), ...errors },
    },
  }, async (request) => sessions.login(request.body.email, request.body.password, request.body.tenantId));

  app.post('/v1/auth/refresh', {
    schema: {
      tags: ['auth'], summary: 'Trade a refresh token for a new pair', security: [],
      description: 'The presented token is used up. Presenting a used token again revokes its whole login (it was copied).',
      body: RefreshBody, response: { 200: Type.Ref('Session'), ...errors },
    },
  }, async (request) => sessions.refresh(request.body.refreshToken));

  app.post('/v1/auth/logout', {
    schema: {
      tags: ['auth'], summary: 'Log out: revoke the login a refresh token belongs to', security: [],
      body: RefreshBody, response: { 204: Type.Null({ description: 'logged out' }), ...errors },
    },
  }, async (request, reply) => {
    await sessions.logout(request.body.refreshToken);
    return reply.status(204).send(null);
  });

  app.post('/v1/auth/password', {
    onRequest: async (request) => {
      await authenticated(request);
      if (principal(request).kind !== 'user') throw forbidden('an API key has no password: log in as a person');
    },
    config: {
      rateLimit: { max: loginMax, timeWindow: MINUTE_MS, keyGenerator: (request) => `password:${sha256(String(request.headers.authorization ?? ''))}` },
    },
    schema: {
      tags: ['auth'], summary: "Change the caller's password",
      description: "Ends every login the person has (their refresh tokens are revoked) and answers a new one for this tenant.",
      body: PasswordChange, response: { 200: Type.Ref('Session'), ...errors },
    },
  }, async (request) => {
    const who = principal(request);
    return sessions.changePassword(who.subjectId, who.tenantId, request.body.currentPassword, request.body.newPassword);
  });

  app.get('/v1/auth/me', {
    onRequest: authenticated,
    schema: { tags: ['auth'], summary: 'Who is calling: the person or key, its tenant, role and scopes', response: { 200: Type.Ref('Me'), ...commonErrors } },
  }, async (request): Promise<Me> => {
    const who = principal(request);
    const scopes = [...who.scopes].sort();
    if (who.kind === 'key') return { kind: 'key', tenantId: who.tenantId, role: null, scopes, user: null, keyId: who.subjectId, tenants: [] };
    const user = await people.userById(who.subjectId);
    const tenants = await Promise.all((await people.membershipsOf(who.subjectId)).map(async (m) => ({ ...m, name: (await people.tenant(m.tenantId))?.name ?? '' })));
    return {
      kind: 'user', tenantId: who.tenantId, role: who.role, scopes, keyId: null,
      user: user ? { id: user.id, email: user.email } : null, tenants,
    };
  });
};
