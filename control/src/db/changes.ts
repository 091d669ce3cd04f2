// The change feed edges poll to keep their agent and number caches fresh: every edit appends (tenant, kind, key);
// an edge asks for what came after the last sequence number it saw and drops those entries from its cache.
import type { Db } from './database.ts';

export type ChangeKind = 'agent' | 'number';
export interface Change { seq: number; tenantId: string; kind: ChangeKind; key: string }

export async function recordChange(db: Db, change: Omit<Change, 'seq'>, atMs = Date.now()): Promise<void> {
  await db.insertInto('changes').values({ tenant_id: change.tenantId, kind: change.kind, key: change.key, at: atMs }).execute();
}

export async function changesSince(db: Db, seq: number, limit = 1000): Promise<{ changes: Change[]; latest: number }> {
  const rows = await db.selectFrom('changes').select(['seq', 'tenant_id', 'kind', 'key']).where('seq', '>', seq).orderBy('seq').limit(limit).execute();
  const changes = rows.map((r) => ({ seq: Number(r.seq), tenantId: r.tenant_id, kind: r.kind as ChangeKind, key: r.key }));
  const latest = changes.length ? changes[changes.length - 1].seq : Number((await db.selectFrom('changes').select((eb) => eb.fn.max('seq').as('max')).executeTakeFirst())?.max ?? 0);
  return { changes, latest };
}
