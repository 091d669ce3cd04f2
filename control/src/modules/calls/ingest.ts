// Call records built from the timeline. Each event is stored once by (call id, seq): the insert is the gate, and
// only an event that was not already there updates its call's summary row, so redelivered events (the consumer
// delivers at least once) change nothing. A batch is one transaction; if it fails, each event is tried alone, so
// one bad event is retried (and in the end dead-lettered by the log) without holding up the rest.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { TypedEmitter } from '@invorto/dsp/typed-emitter.ts';
import { eventJson } from '@invorto/timeline/event-json.ts';
import type { TimelineConsumer, TimelineEntry, TimelineReader } from '@invorto/timeline/timeline-log.ts';
import type { Db } from '../../db/database.ts';

/** The consumer group every control replica reads the timeline in. */
export const INGEST_GROUP = 'control';

/** What the ingest reports, for metrics: one collector listens to these. */
export type CallIngestEvents = {
  /** A batch was committed: the kind of each event it stored, and how many it skipped as already stored. */
  applied: { storedKinds: string[]; duplicates: number; durationS: number };
  /** Events this delivery could not store; the log offers them again, then dead-letters them. */
  failed: { events: number };
};

type Event = ReturnType<typeof eventJson>;

const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : Number(value ?? 0) || 0);
const text = (value: unknown) => (value === undefined || value === null ? '' : String(value));

export class CallIngest extends TypedEmitter<CallIngestEvents> {
  constructor(private readonly db: Db) {
    super();
  }

  /** Stores the events (protobuf CallEvents) in one transaction; returns how many were new. */
  async apply(encoded: Uint8Array[]): Promise<number> {
    const startedMs = performance.now();
    const events = encoded.map((bytes) => {
      const event = eventJson(bytes);
      if (!event.callId || !event.seq) throw new Error('not a CallEvent: a call id and a seq are required');
      if (!event.tenantId) throw new Error(`event ${event.callId}#${event.seq} has no tenant id`);
      return event;
    });
    const storedKinds = await this.db.transaction().execute(async (trx) => {
      const kinds: string[] = [];
      for (const event of events) if (await applyOne(trx, event)) kinds.push(event.kind);
      return kinds;
    });
    // Reported after the commit only: a batch that rolled back stored nothing, and is tried again event by event.
    this.emit('applied', { storedKinds, duplicates: events.length - storedKinds.length, durationS: (performance.now() - startedMs) / 1000 });
    return storedKinds.length;
  }

  /** Consumes the timeline in the `control` group (every replica in one group: each event is handled by one). */
  consume(reader: TimelineReader, options: { batch?: number; maxAttempts?: number } = {}): TimelineConsumer {
    const consumer = reader.consumer({
      group: INGEST_GROUP, consumer: `control-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
      batch: options.batch ?? 200, claimIdleMs: 30_000, maxAttempts: options.maxAttempts ?? 5,
    });
    consumer.start(async (entries: TimelineEntry[]) => {
      try {
        await this.apply(entries.map((e) => e.event));
        return;
      } catch {
        const failed: string[] = [];
        for (const entry of entries) await this.apply([entry.event]).catch(() => failed.push(entry.id));
        if (failed.length > 0) this.emit('failed', { events: failed.length });
        return { failed };
      }
    });
    return consumer;
  }
}

async function applyOne(db: Db, e: Event): Promise<boolean> {
  const inserted = await db.insertInto('call_events')
    .values({ call_id: e.callId, seq: e.seq, ts_ms: e.tsMs, kind: e.kind, payload: JSON.stringify(e.payload) })
    .onConflict((oc) => oc.columns(['call_id', 'seq']).doNothing()).returning('seq').executeTakeFirst();
  if (!inserted) return false;
  await db.insertInto('calls').values({ id: e.callId, tenant_id: e.tenantId, agent_id: e.agentId, started_at: Math.round(e.tsMs) })
    .onConflict((oc) => oc.column('id').doNothing()).execute();
  await summarize(db, e);
  return true;
}

/** What one event changes in its call's summary row. Each update commutes, so arrival order does not matter. */
async function summarize(db: Db, e: Event): Promise<void> {
  const p = e.payload;
  const call = db.updateTable('calls').where('id', '=', e.callId);
  switch (e.kind) {
    case 'callStarted':
      await call.set({
        started_at: Math.round(e.tsMs), transport: text(p.transport) || null, from_number: text(p.from) || null, to_number: text(p.to) || null,
        edge_id: text(p.edgeId) || null, agent_version: num(p.agentVersion) || null,
      }).execute();
      return;
    case 'callEnded':
      await call.set({ ended_at: Math.round(e.tsMs), outcome: text(p.reason) || 'unknown', duration_s: num(p.durationS) }).execute();
      return;
    case 'turn':
      await call.set({ turns: sql`turns + 1` }).execute();
      return;
    case 'bargeIn':
      await call.set({ barge_ins: sql`barge_ins + 1` }).execute();
      return;
    case 'toolCall':
      await call.set({ tool_calls: sql`tool_calls + 1` }).execute();
      return;
    case 'transcript':
      if (p.isFinal && text(p.text)) await appendTranscript(db, e.callId, text(p.text));
      return;
    case 'agentSpeech':
      if (text(p.text)) await appendTranscript(db, e.callId, text(p.text));
      return;
    case 'usage':
      await call.set({
        asr_audio_s: sql`asr_audio_s + ${num(p.asrAudioS)}`, llm_input_tokens: sql`llm_input_tokens + ${num(p.llmInputTokens)}`,
        llm_output_tokens: sql`llm_output_tokens + ${num(p.llmOutputTokens)}`, tts_characters: sql`tts_characters + ${num(p.ttsCharacters)}`,
        telephony_s: sql`telephony_s + ${num(p.telephonyS)}`, llm_model: sql`coalesce(${text(p.llmModel) || null}, llm_model)`,
      }).execute();
      return;
    default:
  }
}

/** The searchable text: every final line, caller's and agent's, one per line. */
async function appendTranscript(db: Db, callId: string, line: string): Promise<void> {
  await db.updateTable('calls').set({ transcript: sql`case when transcript = '' then ${line} else transcript || ${'\n'} || ${line} end` })
    .where('id', '=', callId).execute();
}
