// Edges in the database: a heartbeat inserts or refreshes one; the sweeper marks the silent ones lost.
import type { Selectable } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { Schema } from '../../db/schema.ts';
import type { EdgeBody, Heartbeat } from './schema.ts';

const iso = (ms: number) => new Date(ms).toISOString();

function bodyOf(r: Selectable<Schema['edges']>): EdgeBody {
  return {
    id: r.id, address: r.address, version: r.version, state: r.state as EdgeBody['state'], activeCalls: Number(r.active_calls), cpu: Number(r.cpu),
    firstSeenAt: iso(Number(r.first_seen_at)), lastSeenAt: iso(Number(r.last_seen_at)), lostAt: r.lost_at === null ? null : iso(Number(r.lost_at)),
  };
}

export class EdgeRepository {
  constructor(private readonly db: Db) {}

  /**
   * Registers the edge or refreshes it; a lost edge that heartbeats again is up (or draining) again. `restarted` when
   * the edge reports a later boot than before: the calls it held before that boot ended with its old process.
   */
  async heartbeat(beat: Heartbeat, nowMs: number): Promise<{ state: EdgeBody['state']; restarted: boolean }> {
    const state = beat.draining ? 'draining' : 'up';
    const before = await this.db.selectFrom('edges').select('booted_at').where('id', '=', beat.id).executeTakeFirst();
    const values = {
      address: beat.address, version: beat.version, active_calls: beat.activeCalls, cpu: beat.cpu, state, last_seen_at: nowMs, lost_at: null,
      ...(beat.bootedAt === undefined ? {} : { booted_at: beat.bootedAt }),
    };
    await this.db.insertInto('edges').values({ id: beat.id, first_seen_at: nowMs, ...values })
      .onConflict((oc) => oc.column('id').doUpdateSet(values)).execute();
    const previousBoot = before?.booted_at === null || before?.booted_at === undefined ? null : Number(before.booted_at);
    return { state, restarted: beat.bootedAt !== undefined && previousBoot !== null && beat.bootedAt > previousBoot };
  }

  async list(): Promise<EdgeBody[]> {
    return (await this.db.selectFrom('edges').selectAll().orderBy('id').execute()).map(bodyOf);
  }

  /**
   * Marks every edge silent since before `cutoffMs` lost and returns them. `state != 'lost'` makes it atomic: when
   * several control replicas sweep at once, each edge is marked (and reported) by exactly one of them.
   */
  async markLost(cutoffMs: number, nowMs: number): Promise<string[]> {
    const rows = await this.db.updateTable('edges').set({ state: 'lost', lost_at: nowMs })
      .where('state', '!=', 'lost').where('last_seen_at', '<', cutoffMs).returning('id').execute();
    return rows.map((r) => r.id);
  }
}
