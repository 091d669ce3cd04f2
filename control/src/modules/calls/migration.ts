// 003_calls_edges: calls (summary per call), call_events (the timeline, once per (call, seq)) and edges. The indexes
// serve the list queries: every list is one tenant's, filtered or ordered by start time or duration, with the id
// as the keyset tie-break; on PostgreSQL a trigram index serves transcript search when pg_trgm can be installed.
import { sql, type Kysely } from 'kysely';
import { bigint, type DialectMigration } from '../../db/migrations.ts';

export const callsMigration: DialectMigration = (dialect) => ({
  async up(db: Kysely<any>) {
    const ms = bigint(dialect);
    const real = (dialect === 'postgres' ? 'double precision' : 'real') as 'real';
    await db.schema.createTable('calls').addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull()).addColumn('agent_id', 'text', (c) => c.notNull())
      .addColumn('agent_version', 'integer').addColumn('edge_id', 'text').addColumn('transport', 'text')
      .addColumn('from_number', 'text').addColumn('to_number', 'text')
      .addColumn('started_at', ms, (c) => c.notNull()).addColumn('ended_at', ms).addColumn('outcome', 'text').addColumn('duration_s', real)
      .addColumn('turns', 'integer', (c) => c.notNull().defaultTo(0)).addColumn('barge_ins', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('tool_calls', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('asr_audio_s', real, (c) => c.notNull().defaultTo(0)).addColumn('llm_input_tokens', ms, (c) => c.notNull().defaultTo(0))
      .addColumn('llm_output_tokens', ms, (c) => c.notNull().defaultTo(0)).addColumn('tts_characters', ms, (c) => c.notNull().defaultTo(0))
      .addColumn('telephony_s', real, (c) => c.notNull().defaultTo(0)).addColumn('llm_model', 'text')
      .addColumn('transcript', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
    await db.schema.createIndex('calls_by_start').on('calls').columns(['tenant_id', 'started_at', 'id']).execute();
    await db.schema.createIndex('calls_by_duration').on('calls').columns(['tenant_id', 'duration_s', 'id']).execute();
    await db.schema.createIndex('calls_by_agent').on('calls').columns(['tenant_id', 'agent_id', 'started_at', 'id']).execute();
    await db.schema.createIndex('calls_by_outcome').on('calls').columns(['tenant_id', 'outcome', 'started_at', 'id']).execute();
    await db.schema.createIndex('calls_open_by_edge').on('calls').columns(['edge_id']).where(sql.ref('ended_at'), 'is', null).execute();
    await db.schema.createTable('call_events')
      .addColumn('call_id', 'text', (c) => c.notNull()).addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('ts_ms', real, (c) => c.notNull()).addColumn('kind', 'text', (c) => c.notNull()).addColumn('payload', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('call_events_pk', ['call_id', 'seq']).execute();
    await db.schema.createTable('edges').addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('address', 'text', (c) => c.notNull()).addColumn('version', 'text', (c) => c.notNull())
      .addColumn('active_calls', 'integer', (c) => c.notNull()).addColumn('cpu', real, (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull()).addColumn('first_seen_at', ms, (c) => c.notNull())
      .addColumn('last_seen_at', ms, (c) => c.notNull()).addColumn('lost_at', ms).addColumn('booted_at', ms).execute();
    if (dialect === 'postgres') await trigramIndex(db);
  },
});

/** pg_trgm makes ILIKE '%words%' an index scan; without the extension (or the right to create it) search scans. */
async function trigramIndex(db: Kysely<any>): Promise<void> {
  const available = await sql<{ n: number }>`select count(*)::int as n from pg_available_extensions where name = 'pg_trgm'`.execute(db);
  if (!available.rows[0]?.n) return;
  await sql`savepoint trgm`.execute(db);
  try {
    await sql`create extension if not exists pg_trgm`.execute(db);
    await sql`create index calls_transcript_trgm on calls using gin (transcript gin_trgm_ops)`.execute(db);
    await sql`release savepoint trgm`.execute(db);
  } catch {
    await sql`rollback to savepoint trgm`.execute(db);
  }
}
