// Synthetic call records, written straight into the calls table in batched inserts inside one transaction: how the
// list benchmark and the 100,000-call test fill a database in seconds. Deterministic for a given seed.
import { sql, type Insertable } from 'kysely';
import type { Db, Dialect } from '../../db/database.ts';
import type { Schema } from '../../db/schema.ts';
import { mulberry32 } from '@invorto/dsp/seeded-random.ts';

export const SYNTHETIC_OUTCOMES = ['caller_hangup', 'agent_hangup', 'transferred', 'timeout', 'error'] as const;
const WORDS = ['appointment', 'refund', 'invoice', 'delivery', 'password', 'doctor', 'tomorrow', 'address', 'cancel', 'upgrade', 'balance', 'weather'];

export interface SyntheticCallsOptions {
  tenantId: string;
  count: number;
  agents?: string[];
  /** The newest call starts here; each earlier one 30 s before the next. */
  endMs?: number;
  seed?: number;
  idPrefix?: string;
  onProgress?: (done: number, total: number) => void;
}


/** The calls one by one (the same for the same options): for databases other than control's own (a baseline). */
export function* syntheticCallRows(options: Omit<SyntheticCallsOptions, 'onProgress'>): Generator<Insertable<Schema['calls']> & { started_at: number; duration_s: number }> {
  const agents = options.agents ?? ['support', 'sales', 'billing', 'demo'];
  const rand = mulberry32(options.seed ?? 1);
  const endMs = options.endMs ?? Date.UTC(2026, 10, 1);
  const prefix = options.idPrefix ?? 'call_syn_';
  for (let i = 0; i < options.count; i++) {
    const startedAt = endMs - (options.count - i) * 30_000;
    const durationS = Math.round((5 + rand() * 600) * 10) / 10;
    const word = WORDS[Math.floor(rand() * WORDS.length)];
    const turns = 1 + Math.floor(rand() * 12);
    yield {
      id: `${prefix}${String(i).padStart(7, '0')}`, tenant_id: options.tenantId, agent_id: agents[i % agents.length], agent_version: 1 + (i % 3),
      edge_id: `edge-${i % 4}`, transport: i % 2 ? 'twilio' : 'sip', from_number: `+9198${String(i).padStart(8, '0')}`, to_number: '+918000000000',
      started_at: startedAt, ended_at: startedAt + Math.round(durationS * 1000), outcome: SYNTHETIC_OUTCOMES[Math.floor(rand() * SYNTHETIC_OUTCOMES.length)],
      duration_s: durationS, turns, barge_ins: Math.floor(rand() * 3), tool_calls: Math.floor(rand() * 2),
      asr_audio_s: durationS / 2, llm_input_tokens: turns * 400, llm_output_tokens: turns * 40, tts_characters: turns * 120, telephony_s: durationS,
      llm_model: 'gpt-4o-mini',
      transcript: `Hello, thank you for calling. How can I help you today?\nHi, I am calling about my ${word}.\nSure, let me check your ${word} for you.`,
    };
  }
}

/**
 * Inserts the calls in one transaction, 5,000 rows per statement passed as one JSON parameter (PostgreSQL's
 * json_populate_recordset, SQLite's json_each): this spares building and binding 100,000 × 22 parameters.
 */
export async function insertSyntheticCalls(db: Db, options: SyntheticCallsOptions & { dialect: Dialect }): Promise<void> {
  const postgres = options.dialect === 'postgres';
  const batchRows = 5000;
  const insert = (trx: Db, rows: Insertable<Schema['calls']>[]) => {
    const json = JSON.stringify(rows);
    if (postgres) return sql`insert into calls select * from json_populate_recordset(null::calls, ${json})`.execute(trx);
    const columns = Object.keys(rows[0]);
    const values = columns.map((c) => `json_extract(value, '$.${c}')`).join(', ');
    return sql`insert into calls (${sql.raw(columns.join(', '))}) select ${sql.raw(values)} from json_each(${json})`.execute(trx);
  };
  await db.transaction().execute(async (trx) => {
    let batch: Insertable<Schema['calls']>[] = [];
    let done = 0;
    for (const row of syntheticCallRows(options)) {
      batch.push(row);
      if (batch.length === batchRows) {
        await insert(trx, batch);
        done += batch.length;
        batch = [];
        options.onProgress?.(done, options.count);
      }
    }
    if (batch.length) await insert(trx, batch);
    options.onProgress?.(options.count, options.count);
    // Fresh statistics, as autovacuum would gather soon after a bulk load in production.
    if (postgres) await sql`analyze calls`.execute(trx);
  });
}
