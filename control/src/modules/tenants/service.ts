// Tenants and their first owner: what `invorto admin` and the first `npm start` create.
import { isUniqueViolation, type Db } from '../../db/database.ts';
import { ApiError } from '../../plugins/errors.ts';
import { newId } from '../../ids.ts';
import { hashPassword, MIN_PASSWORD_LENGTH, oneTimePassword } from '../users/passwords.ts';
import { RefreshTokenRepository } from '../users/refresh-tokens.ts';
import { TenantRepository, type Tenant } from './repository.ts';
import type { Role } from './tables.ts';

export class TenantService {
  readonly repo: TenantRepository;

  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {
    this.repo = new TenantRepository(db);
  }

  createTenant(name: string, id = newId('ten')): Promise<Tenant> {
    return this.repo.insertTenant(id, name, this.now());
  }

  /**
   * Adds a person to a tenant: a new user gets a one-time password (returned once, to hand over), an existing user
   * (same email) just gains the membership and keeps their password.
   */
  async addPerson(tenantId: string, email: string, role: Role, password?: string): Promise<{ userId: string; password: string | null }> {
    const normalized = email.trim().toLowerCase();
    const existing = await this.repo.userByEmail(normalized);
    let userId = existing?.id;
    let given: string | null = null;
    if (!userId) {
      given = password ?? oneTimePassword();
      if (given.length < MIN_PASSWORD_LENGTH) throw new ApiError(400, 'validation', `a password needs at least ${MIN_PASSWORD_LENGTH} characters`, '$.password');
      userId = newId('usr');
      await this.repo.insertUser({ id: userId, email: normalized, passwordHash: await hashPassword(given), atMs: this.now() });
    }
    try {
      await this.repo.addMember(tenantId, userId, role, this.now());
    } catch (error) {
      if (isUniqueViolation(error)) throw new ApiError(409, 'conflict', `${normalized} is already a member of this tenant`);
      throw error;
    }
    return { userId, password: given };
  }

  /** A new tenant with its first owner. */
  async createWithOwner(name: string, ownerEmail: string, options: { tenantId?: string; password?: string } = {}) {
    const tenant = await this.createTenant(name, options.tenantId);
    const owner = await this.addPerson(tenant.id, ownerEmail, 'owner', options.password);
    return { tenant, owner: { userId: owner.userId, email: ownerEmail.trim().toLowerCase(), password: owner.password } };
  }

  /** Sets a new one-time password for a user (by email) and ends their logins; returns the password once. */
  async resetPassword(email: string): Promise<string> {
    const user = await this.repo.userByEmail(email.trim().toLowerCase());
    if (!user) throw new ApiError(404, 'not_found', `no user ${email}`);
    const password = oneTimePassword();
    await this.repo.setPassword(user.id, await hashPassword(password), this.now());
    await new RefreshTokenRepository(this.db).revokeUser(user.id, this.now());
    return password;
  }
}
