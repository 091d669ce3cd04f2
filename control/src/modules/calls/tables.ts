// Calls as control keeps them, built from the timeline, and the edges that hold them. Times are epoch milliseconds.
import type { Generated } from 'kysely';

export interface CallTables {
  /**
   * One row per call: a summary kept up to date as its events arrive, so lists and filters never read the events.
   * `transcript` is the call's final words (caller and agent) as one text, for search.
   */
  calls: {
    id: string; tenant_id: string; agent_id: string; agent_version: number | null; edge_id: string | null;
    transport: string | null; from_number: string | null; to_number: string | null;
    started_at: number; ended_at: number | null; outcome: string | null; duration_s: number | null;
    turns: Generated<number>; barge_ins: Generated<number>; tool_calls: Generated<number>;
    asr_audio_s: Generated<number>; llm_input_tokens: Generated<number>; llm_output_tokens: Generated<number>;
    tts_characters: Generated<number>; telephony_s: Generated<number>; llm_model: string | null;
    transcript: Generated<string>;
  };
  /** Every timeline event, once by (call_id, seq): redelivered events find their row taken and change nothing. */
  call_events: { call_id: string; seq: number; ts_ms: number; kind: string; payload: string };
  /** Edges as their heartbeats report them; `state` is up, draining or lost (set by the sweeper). */
  edges: {
    id: string; address: string; version: string; active_calls: number; cpu: number; state: string;
    first_seen_at: number; last_seen_at: number; lost_at: number | null;
    /** When the edge process started (epoch ms), as it reports: a later one means it restarted. */
    booted_at: number | null;
  };
}
