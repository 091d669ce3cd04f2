// Agents and their versions in the database. Writes that make a version take the agent row's version numbers as
// their precondition (`where latest_version = …`), so two concurrent updates cannot both win.
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { AgentTables } from './tables.ts';

export type AgentRow = AgentTables['agents'];
export type VersionRow = AgentTables['agent_versions'];

export interface AgentPage { rows: (AgentRow & { config: string })[]; more: boolean }

/** `%`, `_` and `\` in a search are literal characters, not patterns. */
const likePattern = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export class AgentRepository {
  constructor(private readonly db: Db) {}

  agent(tenantId: string, id: string, db: Db = this.db): Promise<AgentRow | undefined> {
    return db.selectFrom('agents').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  }

  version(tenantId: string, agentId: string, version: number, db: Db = this.db): Promise<VersionRow | undefined> {
    return db.selectFrom('agent_versions').selectAll().where('tenant_id', '=', tenantId).where('agent_id', '=', agentId).where('version', '=', version).executeTakeFirst();
  }

  /** Agents (with their latest settings) by name then id, after the cursor's (name, id), optionally only names containing `q`. */
  async list(tenantId: string, options: { q?: string; after?: [string, string] | null; limit: number }): Promise<AgentPage> {
    let query = this.db.selectFrom('agents')
      .innerJoin('agent_versions', (join) => join.onRef('agent_versions.tenant_id', '=', 'agents.tenant_id').onRef('agent_versions.agent_id', '=', 'agents.id')
        .onRef('agent_versions.version', '=', 'agents.latest_version'))
      .selectAll('agents').select('agent_versions.config').where('agents.tenant_id', '=', tenantId);
    if (options.q) query = query.where(sql<boolean>`lower(agents.name) like ${likePattern(options.q)} escape '\\'`);
    const after = options.after;
    if (after) query = query.where((eb) => eb.or([eb('agents.name', '>', after[0]), eb.and([eb('agents.name', '=', after[0]), eb('agents.id', '>', after[1])])]));
    const rows = await query.orderBy('agents.name').orderBy('agents.id').limit(options.limit + 1).execute();
    return { rows: rows.slice(0, options.limit), more: rows.length > options.limit };
  }

  /** Versions newest first, older than `before` when given. */
  async versions(tenantId: string, agentId: string, options: { before?: number | null; limit: number }): Promise<{ rows: Omit<VersionRow, 'config'>[]; more: boolean }> {
    let query = this.db.selectFrom('agent_versions').select(['tenant_id', 'agent_id', 'version', 'created_at', 'created_by'])
      .where('tenant_id', '=', tenantId).where('agent_id', '=', agentId);
    if (options.before) query = query.where('version', '<', options.before);
    const rows = await query.orderBy('version', 'desc').limit(options.limit + 1).execute();
    return { rows: rows.slice(0, options.limit), more: rows.length > options.limit };
  }

  async insertAgent(db: Db, agent: AgentRow): Promise<void> {
    await db.insertInto('agents').values(agent).execute();
  }

  async insertVersion(db: Db, version: VersionRow): Promise<void> {
    await db.insertInto('agent_versions').values(version).execute();
  }

  /** Moves the agent to a new latest (and maybe published) version if it is still at `expected`; false if not. */
  async advance(db: Db, key: { tenantId: string; id: string }, expected: { latest: number; published: number }, next: Partial<Pick<AgentRow, 'name' | 'latest_version' | 'published_version'>> & { updated_at: number }): Promise<boolean> {
    const result = await db.updateTable('agents').set(next).where('tenant_id', '=', key.tenantId).where('id', '=', key.id)
      .where('latest_version', '=', expected.latest).where('published_version', '=', expected.published).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async deleteAgent(db: Db, tenantId: string, id: string): Promise<boolean> {
    await db.deleteFrom('agent_versions').where('tenant_id', '=', tenantId).where('agent_id', '=', id).execute();
    const result = await db.deleteFrom('agents').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async numbersOf(db: Db, tenantId: string, agentId: string): Promise<string[]> {
    const rows = await db.selectFrom('phone_numbers').select('e164').where('tenant_id', '=', tenantId).where('agent_id', '=', agentId).orderBy('e164').execute();
    return rows.map((r) => r.e164);
  }
}
