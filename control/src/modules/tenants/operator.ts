// The operator: the installation's first tenant (the one the first start creates, id "default"), which runs the
// platform for the others. Prices, other tenants' terms and the edge nodes are the operator's: the same scopes in
// any other tenant are refused, so a tenant never sees another's terms, the operator's costs or its infrastructure.
import type { FastifyRequest } from 'fastify';
import type { Db } from '../../db/database.ts';
import { principal } from '../../plugins/auth.ts';
import { forbidden } from '../../plugins/errors.ts';
import { TenantRepository } from './repository.ts';

export class OperatorCheck {
  #operatorId: string | null = null;
  constructor(private readonly db: Db) {}

  async operatorTenantId(): Promise<string | null> {
    this.#operatorId ??= (await new TenantRepository(this.db).firstTenant())?.id ?? null;
    return this.#operatorId;
  }

  /** An onRequest hook after requireScope: refuses principals of any tenant but the operator's, saying `why`. */
  hook(why = "prices and tenants' terms are the operator's: only the operator tenant's admins may use /v1/pricing") {
    return async (request: FastifyRequest): Promise<void> => {
      if (principal(request).tenantId !== await this.operatorTenantId()) throw forbidden(why);
    };
  }
}
