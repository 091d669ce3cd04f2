// Agents with immutable versions. Creating an agent writes version 1 and publishes it; an update (If-Match the
// agent's ETag) writes version N+1 as a draft, which `publish` (or `?publish=true`) makes the one calls get;
// publishing an older version is the rollback. Every write lands in the change feed the edges' caches follow.
import { agentConfigProblems, crossFieldProblems, type AgentConfig } from '@invorto/proto/agent-config.ts';
import { isUniqueViolation, type Db } from '../../db/database.ts';
import { recordChange } from '../../db/changes.ts';
import { ApiError, conflict, notFound } from '../../plugins/errors.ts';
import { newId } from '../../ids.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { AgentRepository, type AgentRow } from './repository.ts';
import type { AgentBody, AgentCreate, AgentSettingsIn, AgentSettingsPatch, AgentVersionBody, AgentVersionSummary } from './schema.ts';
import { keepSecrets, redactSecrets, type AgentSettings } from './secrets.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** An edit: the If-Match presented, who makes it, and whether the new version goes live at once. */
export interface WriteOptions { ifMatch?: string; by: string; publish?: boolean }

/** Changes whenever the agent does (a new version, a publish, a re-creation under the same id). */
export const etagOf = (row: AgentRow) => `"${Number(row.created_at).toString(36)}.${row.latest_version}.${row.published_version}"`;

/** True when an If-Match header names this ETag (or is "*"); weak and strong forms compare alike. */
function matches(ifMatch: string, etag: string): boolean {
  return ifMatch.split(',').map((tag) => tag.trim().replace(/^W\//, '')).some((tag) => tag === '*' || tag === etag);
}

/** A settings document the schema accepted still has to pass the rules across fields and, whole, the edge's check. */
function checkSettings(settings: AgentSettings, id: string, tenantId: string): void {
  const problem = crossFieldProblems(settings)[0] ?? agentConfigProblems({ ...settings, id, tenantId })[0];
  if (problem) throw new ApiError(400, 'validation', `${problem.path}: ${problem.message}`, problem.path);
}

export class AgentService {
  readonly repo: AgentRepository;

  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {
    this.repo = new AgentRepository(db);
  }

  async create(tenantId: string, input: AgentCreate, createdBy: string): Promise<AgentBody> {
    const { id = newId('agt'), ...rest } = input;
    const settings = keepSecrets(rest, null);
    checkSettings(settings, id, tenantId);
    const at = this.now();
    const row: AgentRow = { tenant_id: tenantId, id, name: settings.name, latest_version: 1, published_version: 1, created_at: at, updated_at: at };
    try {
      await this.db.transaction().execute(async (trx) => {
        await this.repo.insertAgent(trx, row);
        await this.repo.insertVersion(trx, { tenant_id: tenantId, agent_id: id, version: 1, config: JSON.stringify(settings), created_at: at, created_by: createdBy });
        await recordChange(trx, { tenantId, kind: 'agent', key: id }, at);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`an agent "${id}" already exists: update it (PUT /v1/agents/${id}) or choose another id`);
      throw error;
    }
    return this.#body(row, settings);
  }

  async get(tenantId: string, id: string): Promise<AgentBody> {
    const row = await this.#agent(tenantId, id);
    return this.#body(row, await this.#settings(tenantId, id, row.latest_version));
  }

  async list(tenantId: string, query: { q?: string; cursor?: string; limit?: number }): Promise<{ items: AgentBody[]; nextCursor: string | null }> {
    const after = decodeCursor(query.cursor, (k): k is [string, string] => k.length === 2 && k.every((v) => typeof v === 'string'));
    const { rows, more } = await this.repo.list(tenantId, { q: query.q, after, limit: query.limit ?? 50 });
    const items = rows.map(({ config, ...row }) => this.#body(row, JSON.parse(config) as AgentSettings));
    const last = rows[rows.length - 1];
    return { items, nextCursor: more && last ? encodeCursor([last.name, last.id]) : null };
  }

  /** PUT: the whole settings document becomes version N+1, a draft unless `publish`. */
  async update(tenantId: string, id: string, input: AgentSettingsIn, options: WriteOptions): Promise<AgentBody> {
    const current = await this.#agent(tenantId, id);
    this.#precondition(current, options.ifMatch, true);
    return this.#writeVersion(current, keepSecrets(input, await this.#settings(tenantId, id, current.latest_version)), options);
  }

  /** PATCH: the latest settings with the given top-level fields replaced become version N+1, as PUT. */
  async patch(tenantId: string, id: string, patch: AgentSettingsPatch, options: WriteOptions): Promise<AgentBody> {
    const current = await this.#agent(tenantId, id);
    this.#precondition(current, options.ifMatch, true);
    const previous = await this.#settings(tenantId, id, current.latest_version);
    return this.#writeVersion(current, keepSecrets({ ...previous, ...patch } as AgentSettingsIn, previous), options);
  }

  async #writeVersion(current: AgentRow, settings: AgentSettings, options: WriteOptions): Promise<AgentBody> {
    const { tenant_id: tenantId, id } = current;
    checkSettings(settings, id, tenantId);
    const at = this.now();
    const version = current.latest_version + 1;
    const next = { name: settings.name, latest_version: version, published_version: options.publish ? version : current.published_version, updated_at: at };
    await this.db.transaction().execute(async (trx) => {
      if (!await this.repo.advance(trx, { tenantId, id }, { latest: current.latest_version, published: current.published_version }, next)) throw stale();
      await this.repo.insertVersion(trx, { tenant_id: tenantId, agent_id: id, version, config: JSON.stringify(settings), created_at: at, created_by: options.by });
      await recordChange(trx, { tenantId, kind: 'agent', key: id }, at);
    });
    return this.#body({ ...current, ...next }, settings);
  }

  /** Makes `version` the one calls get (an older one: a rollback). If-Match is optional here. */
  async publish(tenantId: string, id: string, version: number, ifMatch?: string): Promise<AgentBody> {
    const current = await this.#agent(tenantId, id);
    this.#precondition(current, ifMatch, false);
    if (version > current.latest_version || !await this.repo.version(tenantId, id, version)) throw notFound(`version ${version} of agent "${id}"`);
    const next = { published_version: version, updated_at: this.now() };
    await this.db.transaction().execute(async (trx) => {
      if (!await this.repo.advance(trx, { tenantId, id }, { latest: current.latest_version, published: current.published_version }, next)) throw stale();
      await recordChange(trx, { tenantId, kind: 'agent', key: id }, next.updated_at);
    });
    return this.#body({ ...current, ...next }, await this.#settings(tenantId, id, current.latest_version));
  }

  async versions(tenantId: string, id: string, query: { cursor?: string; limit?: number }): Promise<{ items: AgentVersionSummary[]; nextCursor: string | null }> {
    const agent = await this.#agent(tenantId, id);
    const before = decodeCursor(query.cursor, (k): k is [number] => k.length === 1 && Number.isInteger(k[0]))?.[0];
    const { rows, more } = await this.repo.versions(tenantId, id, { before, limit: query.limit ?? 50 });
    const items = rows.map((r) => ({ agentId: id, version: r.version, published: r.version === agent.published_version, createdAt: iso(r.created_at), createdBy: r.created_by }));
    const last = rows[rows.length - 1];
    return { items, nextCursor: more && last ? encodeCursor([last.version]) : null };
  }

  async version(tenantId: string, id: string, version: number): Promise<AgentVersionBody> {
    const agent = await this.#agent(tenantId, id);
    const row = await this.repo.version(tenantId, id, version);
    if (!row) throw notFound(`version ${version} of agent "${id}"`);
    return {
      agentId: id, version, published: version === agent.published_version, createdAt: iso(row.created_at), createdBy: row.created_by,
      config: redactSecrets(JSON.parse(row.config) as AgentSettings),
    };
  }

  /** Deletes the agent and its versions; refused while phone numbers still ring it. */
  async delete(tenantId: string, id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const numbers = await this.repo.numbersOf(trx, tenantId, id);
      if (numbers.length) throw conflict(`agent "${id}" still answers ${numbers.join(', ')}: assign those numbers to another agent or delete them first`);
      if (!await this.repo.deleteAgent(trx, tenantId, id)) throw notFound(`agent "${id}"`);
      await recordChange(trx, { tenantId, kind: 'agent', key: id }, this.now());
    });
  }

  /** What the edge runs: the published version, secrets included, with its version number; null when absent. */
  async publishedConfig(tenantId: string, id: string): Promise<AgentConfig | null> {
    const row = await this.db.selectFrom('agents')
      .innerJoin('agent_versions', (join) => join.onRef('agent_versions.tenant_id', '=', 'agents.tenant_id').onRef('agent_versions.agent_id', '=', 'agents.id')
        .onRef('agent_versions.version', '=', 'agents.published_version'))
      .select(['agent_versions.config', 'agent_versions.version']).where('agents.tenant_id', '=', tenantId).where('agents.id', '=', id).executeTakeFirst();
    if (!row) return null;
    return { ...(JSON.parse(row.config) as AgentSettings), id, tenantId, version: row.version };
  }

  async #agent(tenantId: string, id: string): Promise<AgentRow> {
    const row = await this.repo.agent(tenantId, id);
    if (!row) throw notFound(`agent "${id}"`);
    return row;
  }

  async #settings(tenantId: string, id: string, version: number): Promise<AgentSettings> {
    const row = await this.repo.version(tenantId, id, version);
    if (!row) throw new Error(`agent "${id}" of tenant "${tenantId}" has no version ${version}`);
    return JSON.parse(row.config) as AgentSettings;
  }

  #precondition(row: AgentRow, ifMatch: string | undefined, required: boolean): void {
    if (ifMatch === undefined) {
      if (required) throw new ApiError(428, 'precondition_required', `send If-Match with the agent's ETag (from GET /v1/agents/${row.id}) so a concurrent edit is not overwritten`);
      return;
    }
    if (!matches(ifMatch, etagOf(row))) throw stale();
  }

  #body(row: AgentRow, settings: AgentSettings): AgentBody {
    return {
      id: row.id, name: row.name, latestVersion: row.latest_version, publishedVersion: row.published_version, etag: etagOf(row),
      createdAt: iso(row.created_at), updatedAt: iso(row.updated_at), config: redactSecrets(settings),
    };
  }
}

const stale = () => new ApiError(412, 'precondition_failed', 'the agent changed since you read it (its ETag no longer matches If-Match): read it again and reapply your edit');
