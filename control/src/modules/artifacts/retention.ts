// Retention: how long a tenant's artifacts are kept (the tenant's retentionDays) and, where an agent says so, its
// calls' artifacts (the published version's recording.retentionDays). The applier gathers the rules and hands them
// to the store, which puts them in force its own way: S3 as bucket lifecycle rules (S3 deletes later), local disk
// by deleting what is already too old. It runs at start and then every `retentionEveryMs`.
import type { RetentionRule } from '@invorto/artifacts/artifact-store.ts';
import type { ControlContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';

/** Every rule in force now: tenants with a retention, and agents whose published version sets one. */
export async function retentionRules(db: Db): Promise<RetentionRule[]> {
  const tenants = await db.selectFrom('tenants').select(['id', 'retention_days']).where('retention_days', 'is not', null).orderBy('id').execute();
  const agents = await db.selectFrom('agents')
    .innerJoin('agent_versions', (join) => join.onRef('agent_versions.tenant_id', '=', 'agents.tenant_id').onRef('agent_versions.agent_id', '=', 'agents.id')
      .onRef('agent_versions.version', '=', 'agents.published_version'))
    .select(['agents.tenant_id', 'agents.id', 'agent_versions.config']).orderBy('agents.tenant_id').orderBy('agents.id').execute();
  const rules: RetentionRule[] = tenants.map((t) => ({ tenantId: t.id, days: Number(t.retention_days) }));
  for (const agent of agents) {
    const days = (JSON.parse(agent.config) as { recording?: { retentionDays?: number } }).recording?.retentionDays;
    if (typeof days === 'number' && days > 0) rules.push({ tenantId: agent.tenant_id, agentId: agent.id, days });
  }
  return rules;
}

export class RetentionApplier {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<unknown> | null = null;
  /** Whether the last pass had rules: once a bucket has them, an empty set must still be written to lift them. */
  #hadRules = false;

  constructor(private readonly ctx: ControlContext) {}

  async applyOnce(): Promise<{ rules: RetentionRule[]; deleted: number }> {
    const rules = await retentionRules(this.ctx.database.db);
    if (rules.length === 0 && !this.#hadRules) return { rules, deleted: 0 };
    const { deleted } = await this.ctx.artifacts.store.applyRetention(rules);
    this.#hadRules = rules.length > 0;
    const how = this.ctx.artifacts.store.kind === 's3' ? 'as S3 lifecycle rules' : 'by the local sweep';
    this.ctx.log.info({ rules: rules.length, deleted }, `artifact retention applied ${how}: ${rules.length} rules, ${deleted} objects deleted`);
    return { rules, deleted };
  }

  /** Runs now and every `intervalMs`; a pass still running when the next is due is not doubled. */
  start(intervalMs: number): this {
    const pass = () => {
      if (this.#running) return;
      this.#running = this.applyOnce()
        .catch((error: Error) => this.ctx.log.error({ err: error.message }, 'artifact retention failed; tried again next interval'))
        .finally(() => { this.#running = null; });
    };
    pass();
    this.#timer = setInterval(pass, intervalMs);
    this.#timer.unref();
    return this;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }
}
