// Phone numbers in the database; the number is the primary key, so one number can belong to one tenant only.
import type { Db } from '../../db/database.ts';
import type { NumberTables } from './tables.ts';

export type NumberRow = NumberTables['phone_numbers'];

export class NumberRepository {
  constructor(private readonly db: Db) {}

  /** The number whoever owns it (only the internal look-up and conflict checks may ask this way). */
  anyTenant(e164: string, db: Db = this.db): Promise<NumberRow | undefined> {
    return db.selectFrom('phone_numbers').selectAll().where('e164', '=', e164).executeTakeFirst();
  }

  get(tenantId: string, e164: string, db: Db = this.db): Promise<NumberRow | undefined> {
    return db.selectFrom('phone_numbers').selectAll().where('tenant_id', '=', tenantId).where('e164', '=', e164).executeTakeFirst();
  }

  async list(tenantId: string, options: { agentId?: string; after?: string | null; limit: number }): Promise<{ rows: NumberRow[]; more: boolean }> {
    let query = this.db.selectFrom('phone_numbers').selectAll().where('tenant_id', '=', tenantId);
    if (options.agentId) query = query.where('agent_id', '=', options.agentId);
    if (options.after) query = query.where('e164', '>', options.after);
    const rows = await query.orderBy('e164').limit(options.limit + 1).execute();
    return { rows: rows.slice(0, options.limit), more: rows.length > options.limit };
  }

  async insert(db: Db, row: NumberRow): Promise<void> {
    await db.insertInto('phone_numbers').values(row).execute();
  }

  async update(db: Db, tenantId: string, e164: string, set: Partial<Pick<NumberRow, 'agent_id' | 'label'>> & { updated_at: number }): Promise<boolean> {
    const result = await db.updateTable('phone_numbers').set(set).where('tenant_id', '=', tenantId).where('e164', '=', e164).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async delete(db: Db, tenantId: string, e164: string): Promise<boolean> {
    const result = await db.deleteFrom('phone_numbers').where('tenant_id', '=', tenantId).where('e164', '=', e164).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async agentExists(db: Db, tenantId: string, agentId: string): Promise<boolean> {
    return Boolean(await db.selectFrom('agents').select('id').where('tenant_id', '=', tenantId).where('id', '=', agentId).executeTakeFirst());
  }
}
