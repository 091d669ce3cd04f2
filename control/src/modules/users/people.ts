// The people of one tenant and their roles. A tenant always keeps an owner: removing or demoting the last one is
// refused, and on PostgreSQL the tenant row is locked while checking so two owners cannot demote each other at once.
import type { ControlDatabase, Db } from '../../db/database.ts';
import { conflict, notFound } from '../../plugins/errors.ts';
import { TenantRepository, type Member } from '../tenants/repository.ts';
import { TenantService } from '../tenants/service.ts';
import type { Role } from '../tenants/tables.ts';
import { RefreshTokenRepository } from './refresh-tokens.ts';
import type { User } from './schema.ts';

const userOf = (m: Member): User => ({ id: m.userId, email: m.email, role: m.role, createdAt: m.createdAt });

export class PeopleService {
  readonly #repo: TenantRepository;

  constructor(private readonly database: ControlDatabase, private readonly now: () => number = Date.now) {
    this.#repo = new TenantRepository(database.db);
  }

  async list(tenantId: string): Promise<User[]> {
    return (await this.#repo.members(tenantId)).map(userOf);
  }

  async get(tenantId: string, userId: string): Promise<User> {
    const member = await this.#repo.member(tenantId, userId);
    if (!member) throw notFound('user');
    return userOf(member);
  }

  /** Adds a person; a new account comes with a one-time password (returned once), an existing one keeps its own. */
  async add(tenantId: string, email: string, role: Role): Promise<{ user: User; password: string | null }> {
    const { userId, password } = await new TenantService(this.database.db, this.now).addPerson(tenantId, email, role);
    return { user: await this.get(tenantId, userId), password };
  }

  async setRole(tenantId: string, userId: string, role: Role): Promise<User> {
    await this.#guarded(tenantId, userId, role === 'owner', (repo) => repo.setRole(tenantId, userId, role));
    return this.get(tenantId, userId);
  }

  /** Removes a person from the tenant (their account stays, with any other tenants) and ends their logins here. */
  async remove(tenantId: string, userId: string): Promise<void> {
    await this.#guarded(tenantId, userId, false, (repo) => repo.removeMember(tenantId, userId));
    await new RefreshTokenRepository(this.database.db).revokeUser(userId, this.now(), tenantId);
  }

  /** Runs a change to one membership unless it would leave the tenant without an owner. */
  async #guarded(tenantId: string, userId: string, staysOwner: boolean, change: (repo: TenantRepository) => Promise<unknown>): Promise<void> {
    await this.database.db.transaction().execute(async (trx) => {
      const repo = new TenantRepository(trx as Db);
      if (this.database.dialect === 'postgres') await trx.selectFrom('tenants').select('id').where('id', '=', tenantId).forUpdate().execute();
      const role = await repo.membership(tenantId, userId);
      if (!role) throw notFound('user');
      if (role === 'owner' && !staysOwner && (await repo.countRole(tenantId, 'owner')) <= 1) {
        throw conflict('this is the last owner of the tenant: make someone else an owner first');
      }
      await change(repo);
    });
  }
}
