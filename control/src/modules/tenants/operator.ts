// Who may change prices: the operator, i.e. the installation's first tenant (the one the first start creates,
// id "default"). Its admins and owners hold pricing:read/pricing:write; the same scopes in any other tenant are
// refused here, so a tenant never sees another's terms nor the operator's costs.
import type { FastifyRequest } from 'fastify';
import type { Db } from '../../db/database.ts';
import { principal } from '../../plugins/auth.ts';
import { forbidden } from '../../plugins/errors.ts';
import { TenantRepository } from '../tenants/repository.ts';

export class OperatorCheck {
  #operatorId: string | null = null;
  constructor(private readonly db: Db) {}

  async operatorTenantId(): Promise<string | null> {
    this.#operatorId ??= (await new TenantRepository(this.db).firstTenant())?.id ?? null;
    return this.#operatorId;
  }

  /** An onRequest hook after requireScope: refuses principals of any tenant but the operator's. */
  hook() {
    return async (request: FastifyRequest): Promise<void> => {
      if (principal(request).tenantId !== await this.operatorTenantId()) throw forbidden("prices and tenants' terms are the operator's: only the operator tenant's admins may use /v1/pricing");
    };
  }
}
