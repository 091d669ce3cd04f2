// Logins: a short-lived JWT access token plus a single-use refresh token. A refresh uses the presented token up and
// issues the next one in the same family; presenting a used token again means it was copied, so the whole family
// is revoked. A wrong password and an unknown email give the same answer after the same argon2 work.
import type { ControlContext } from '../../context.ts';
import { newId, newSecret, sha256 } from '../../ids.ts';
import { ApiError, forbidden, unauthorized } from '../../plugins/errors.ts';
import { TenantRepository } from '../tenants/repository.ts';
import type { Role } from '../tenants/tables.ts';
import { hashPassword, passwordMatches } from './passwords.ts';
import { RefreshTokenRepository } from './refresh-tokens.ts';
import type { Session } from './schema.ts';

const BAD_LOGIN = 'wrong email or password';

// Verified when the email is unknown, so the answer takes as long as a wrong password.
let dummyHash: Promise<string> | null = null;
const dummy = () => (dummyHash ??= hashPassword(newSecret(16)));

export class SessionService {
  readonly #people: TenantRepository;
  readonly #tokens: RefreshTokenRepository;

  constructor(private readonly ctx: ControlContext) {
    this.#people = new TenantRepository(ctx.database.db);
    this.#tokens = new RefreshTokenRepository(ctx.database.db);
    void dummy();
  }

  async login(email: string, password: string, tenantId?: string): Promise<Session> {
    const user = await this.#people.userByEmail(email.trim());
    const matches = await passwordMatches(user?.password_hash ?? await dummy(), password);
    if (!user || !matches) throw unauthorized(BAD_LOGIN);
    const memberships = await this.#people.membershipsOf(user.id);
    const membership = tenantId ? memberships.find((m) => m.tenantId === tenantId) : memberships[0];
    // Not a member (of that tenant) is the same answer: it must not tell a stranger who belongs where.
    if (!membership) throw unauthorized(BAD_LOGIN);
    await this.#tokens.pruneExpired(user.id, this.ctx.now());
    return this.#issue({ id: user.id, email: user.email }, membership.tenantId, membership.role, newId('fam'));
  }

  async refresh(refreshToken: string): Promise<Session> {
    const now = this.ctx.now();
    const row = await this.#tokens.byHash(sha256(refreshToken));
    if (!row) throw unauthorized('unknown refresh token: log in again');
    if (row.revoked_at !== null) throw unauthorized('refresh token revoked: log in again');
    if (row.expires_at <= now) throw unauthorized('refresh token expired: log in again');
    if (!(await this.#tokens.markUsed(row.hash, now))) {
      await this.#tokens.revokeFamily(row.family, now);
      this.ctx.log.warn({ userId: row.user_id, tenantId: row.tenant_id, family: row.family }, 'a used refresh token was presented again: its login is revoked');
      throw unauthorized('refresh token already used: this login is revoked, log in again');
    }
    const role = await this.#people.membership(row.tenant_id, row.user_id);
    const user = await this.#people.userById(row.user_id);
    if (!role || !user) {
      await this.#tokens.revokeFamily(row.family, now);
      throw unauthorized('no longer a member of this tenant: log in again');
    }
    return this.#issue({ id: user.id, email: user.email }, row.tenant_id, role, row.family);
  }

  /** Ends the login the refresh token belongs to; an unknown token is already logged out. */
  async logout(refreshToken: string): Promise<void> {
    const row = await this.#tokens.byHash(sha256(refreshToken));
    if (row) await this.#tokens.revokeFamily(row.family, this.ctx.now());
  }

  /** Changes a person's password, ends every login they have, and starts a new one in `tenantId`. */
  async changePassword(userId: string, tenantId: string, currentPassword: string, newPassword: string): Promise<Session> {
    const user = await this.#people.userById(userId);
    const role = user && await this.#people.membership(tenantId, userId);
    if (!user || !role) throw unauthorized('no longer a member of this tenant: log in again');
    if (!(await passwordMatches(user.password_hash, currentPassword))) throw forbidden('the current password is wrong');
    if (newPassword === currentPassword) throw new ApiError(400, 'validation', 'the new password must differ from the current one', '$.newPassword');
    const now = this.ctx.now();
    await this.#people.setPassword(userId, await hashPassword(newPassword), now);
    await this.#tokens.revokeUser(userId, now);
    return this.#issue({ id: user.id, email: user.email }, tenantId, role, newId('fam'));
  }

  async #issue(user: { id: string; email: string }, tenantId: string, role: Role, family: string): Promise<Session> {
    const now = this.ctx.now();
    const refreshToken = `ivr_${newSecret(32)}`;
    await this.#tokens.insert({ hash: sha256(refreshToken), family, userId: user.id, tenantId, expiresAtMs: now + this.ctx.settings.refreshTtlS * 1000, atMs: now });
    const accessToken = await this.ctx.tokens.issue({ userId: user.id, tenantId, role }, now);
    return { accessToken, refreshToken, expiresIn: this.ctx.tokens.ttlS, tenantId, role, user };
  }
}
