// Calls as control keeps them, built from the timeline: every event stored once by (call id, seq), whatever order
// or how many times the consumer delivers it, and a summary row per call (who, when, outcome, usage). Transcript
// and turns are read back from the events in seq order.
import type Database from 'better-sqlite3';
import { eventJson } from '@invorto/timeline/event-json.ts';

export const CALL_RECORDS_MIGRATION = `
  CREATE TABLE call_events (call_id TEXT NOT NULL, seq INTEGER NOT NULL, ts_ms REAL NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL,
                            PRIMARY KEY (call_id, seq));
  CREATE TABLE calls (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, agent_id TEXT NOT NULL, transport TEXT, started_at TEXT,
                      ended_at TEXT, outcome TEXT, duration_s REAL, turns INTEGER NOT NULL DEFAULT 0,
                      llm_input_tokens INTEGER NOT NULL DEFAULT 0, llm_output_tokens INTEGER NOT NULL DEFAULT 0,
                      tts_characters INTEGER NOT NULL DEFAULT 0, asr_audio_s REAL NOT NULL DEFAULT 0, llm_model TEXT);
  CREATE INDEX calls_by_tenant ON calls (tenant_id, started_at);`;

export interface CallSummary {
  id: string; tenantId: string; agentId: string; transport: string | null; startedAt: string | null; endedAt: string | null;
  outcome: string | null; durationS: number | null; turns: number;
  usage: { llmInputTokens: number; llmOutputTokens: number; ttsCharacters: number; asrAudioS: number; llmModel: string | null };
}

export interface TimelineEvent { seq: number; tsMs: number; kind: string; [field: string]: unknown }

export class CallRecords {
  constructor(private readonly db: Database.Database) {}

  /** Stores a batch in one transaction; events already stored (redelivered) change nothing. */
  apply(encodedEvents: Uint8Array[]): number {
    const insert = this.db.prepare('INSERT OR IGNORE INTO call_events (call_id, seq, ts_ms, kind, payload) VALUES (?, ?, ?, ?, ?)');
    const ensure = this.db.prepare('INSERT OR IGNORE INTO calls (id, tenant_id, agent_id) VALUES (?, ?, ?)');
    let stored = 0;
    this.db.transaction(() => {
      for (const encoded of encodedEvents) {
        const e = eventJson(encoded);
        if (!e.callId || !e.seq) throw new Error('not a CallEvent: call id and seq are required');
        ensure.run(e.callId, e.tenantId, e.agentId);
        if (insert.run(e.callId, e.seq, e.tsMs, e.kind, JSON.stringify(e.payload)).changes === 0) continue;
        stored++;
        this.#summarize(e.callId, e.kind, e.payload, e.tsMs);
      }
    })();
    return stored;
  }

  #summarize(callId: string, kind: string, p: Record<string, unknown>, tsMs: number): void {
    const at = new Date(tsMs).toISOString();
    if (kind === 'callStarted') {
      this.db.prepare('UPDATE calls SET transport = ?, started_at = ? WHERE id = ?').run(String(p.transport ?? ''), at, callId);
    } else if (kind === 'callEnded') {
      this.db.prepare('UPDATE calls SET ended_at = ?, outcome = ?, duration_s = ? WHERE id = ?').run(at, String(p.reason ?? ''), Number(p.durationS ?? 0), callId);
    } else if (kind === 'turn') {
      this.db.prepare('UPDATE calls SET turns = turns + 1 WHERE id = ?').run(callId);
    } else if (kind === 'usage') {
      this.db.prepare(`UPDATE calls SET llm_input_tokens = llm_input_tokens + ?, llm_output_tokens = llm_output_tokens + ?, tts_characters = tts_characters + ?,
        asr_audio_s = asr_audio_s + ?, llm_model = COALESCE(NULLIF(?, ''), llm_model) WHERE id = ?`)
        .run(Number(p.llmInputTokens ?? 0), Number(p.llmOutputTokens ?? 0), Number(p.ttsCharacters ?? 0), Number(p.asrAudioS ?? 0), String(p.llmModel ?? ''), callId);
    }
  }

  list(tenantId: string, limit = 100): CallSummary[] {
    const rows = this.db.prepare('SELECT * FROM calls WHERE tenant_id = ? ORDER BY started_at DESC LIMIT ?').all(tenantId, limit) as Record<string, unknown>[];
    return rows.map(summaryOf);
  }

  get(tenantId: string, callId: string): (CallSummary & { transcript: { speaker: string; text: string; seq: number }[] }) | null {
    const row = this.db.prepare('SELECT * FROM calls WHERE id = ? AND tenant_id = ?').get(callId, tenantId) as Record<string, unknown> | undefined;
    if (!row) return null;
    const transcript = this.timeline(callId).flatMap((e) => {
      if (e.kind === 'transcript' && e.isFinal) return [{ speaker: String(e.speaker ?? 'caller'), text: String(e.text ?? ''), seq: e.seq }];
      if (e.kind === 'agentSpeech') return [{ speaker: 'agent', text: String(e.text ?? ''), seq: e.seq }];
      return [];
    });
    return { ...summaryOf(row), transcript };
  }

  /** The call's events in seq order. */
  timeline(callId: string): TimelineEvent[] {
    const rows = this.db.prepare('SELECT seq, ts_ms, kind, payload FROM call_events WHERE call_id = ? ORDER BY seq').all(callId) as { seq: number; ts_ms: number; kind: string; payload: string }[];
    return rows.map((r) => ({ seq: r.seq, tsMs: r.ts_ms, kind: r.kind, ...JSON.parse(r.payload) as object }));
  }

  tenantOf(callId: string): string | null {
    return (this.db.prepare('SELECT tenant_id FROM calls WHERE id = ?').get(callId) as { tenant_id: string } | undefined)?.tenant_id ?? null;
  }
}

function summaryOf(r: Record<string, unknown>): CallSummary {
  return {
    id: String(r.id), tenantId: String(r.tenant_id), agentId: String(r.agent_id), transport: r.transport as string | null,
    startedAt: r.started_at as string | null, endedAt: r.ended_at as string | null, outcome: r.outcome as string | null,
    durationS: r.duration_s as number | null, turns: Number(r.turns),
    usage: { llmInputTokens: Number(r.llm_input_tokens), llmOutputTokens: Number(r.llm_output_tokens), ttsCharacters: Number(r.tts_characters), asrAudioS: Number(r.asr_audio_s), llmModel: r.llm_model as string | null },
  };
}
