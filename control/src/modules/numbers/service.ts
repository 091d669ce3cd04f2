// Phone numbers: each E.164 number belongs to one tenant and rings one of its agents. Another tenant's number is
// a 409 that does not say whose it is; every write lands in the change feed the edges' caches follow.
import { isUniqueViolation, type Db } from '../../db/database.ts';
import { recordChange } from '../../db/changes.ts';
import { ApiError, conflict, notFound } from '../../plugins/errors.ts';
import { decodeCursor, encodeCursor } from '../agents/cursor.ts';
import { NumberRepository, type NumberRow } from './repository.ts';
import type { NumberBody, NumberCreate, NumberListQuery, NumberUpdate } from './schema.ts';

const bodyOf = (row: NumberRow): NumberBody => ({
  number: row.e164, agentId: row.agent_id, label: row.label, createdAt: new Date(row.created_at).toISOString(), updatedAt: new Date(row.updated_at).toISOString(),
});

const noAgent = (agentId: string) => new ApiError(400, 'validation', `$.agentId: no agent "${agentId}" in this tenant`, '$.agentId');

export class NumberService {
  readonly repo: NumberRepository;

  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {
    this.repo = new NumberRepository(db);
  }

  async create(tenantId: string, input: NumberCreate): Promise<NumberBody> {
    const at = this.now();
    const row: NumberRow = { e164: input.number, tenant_id: tenantId, agent_id: input.agentId, label: input.label ?? null, created_at: at, updated_at: at };
    try {
      await this.db.transaction().execute(async (trx) => {
        if (!await this.repo.agentExists(trx, tenantId, input.agentId)) throw noAgent(input.agentId);
        await this.repo.insert(trx, row);
        await recordChange(trx, { tenantId, kind: 'number', key: input.number }, at);
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const mine = await this.repo.get(tenantId, input.number);
      throw conflict(mine ? `${input.number} is already in this tenant: change it with PATCH /v1/numbers/${encodeURIComponent(input.number)}` : `${input.number} is not available`);
    }
    return bodyOf(row);
  }

  async get(tenantId: string, e164: string): Promise<NumberBody> {
    const row = await this.repo.get(tenantId, e164);
    if (!row) throw notFound(`number ${e164}`);
    return bodyOf(row);
  }

  async list(tenantId: string, query: NumberListQuery): Promise<{ items: NumberBody[]; nextCursor: string | null }> {
    const after = decodeCursor(query.cursor, (k): k is [string] => k.length === 1 && typeof k[0] === 'string')?.[0];
    const { rows, more } = await this.repo.list(tenantId, { agentId: query.agentId, after, limit: query.limit ?? 50 });
    const last = rows[rows.length - 1];
    return { items: rows.map(bodyOf), nextCursor: more && last ? encodeCursor([last.e164]) : null };
  }

  async update(tenantId: string, e164: string, input: NumberUpdate): Promise<NumberBody> {
    const at = this.now();
    await this.db.transaction().execute(async (trx) => {
      if (input.agentId !== undefined && !await this.repo.agentExists(trx, tenantId, input.agentId)) {
        if (!await this.repo.get(tenantId, e164, trx)) throw notFound(`number ${e164}`);
        throw noAgent(input.agentId);
      }
      const set = { updated_at: at, ...(input.agentId !== undefined ? { agent_id: input.agentId } : {}), ...(input.label !== undefined ? { label: input.label } : {}) };
      if (!await this.repo.update(trx, tenantId, e164, set)) throw notFound(`number ${e164}`);
      await recordChange(trx, { tenantId, kind: 'number', key: e164 }, at);
    });
    return this.get(tenantId, e164);
  }

  async delete(tenantId: string, e164: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (!await this.repo.delete(trx, tenantId, e164)) throw notFound(`number ${e164}`);
      await recordChange(trx, { tenantId, kind: 'number', key: e164 }, this.now());
    });
  }

  /** The edge's look-up: which tenant and agent a dialled number reaches; null when no tenant has it. */
  async route(e164: string): Promise<{ tenantId: string; agentId: string } | null> {
    const row = await this.repo.anyTenant(e164);
    return row ? { tenantId: row.tenant_id, agentId: row.agent_id } : null;
  }
}
