// What an edge says about a call someone watches live. Control forwards these to the browser unchanged (it adds
// nothing and keeps the tenant only to route them), so this file is the wire format of `GET /v1/live` too.
import type { CallState } from '../runtime/call-events.ts';

/** Levels are RMS dBFS, rounded to 0.1 dB, floored here: silence and "no audio this window" read the same. */
export const LEVEL_FLOOR_DB = -90;

export type LiveEvent =
  /** Every 100 ms while watched: the caller and agent level over the window (mean power), and the call's state. */
  | { type: 'levels'; callerDb: number; agentDb: number; state: CallState }
  | { type: 'transcript'; text: string; isFinal: boolean }
  | { type: 'state'; state: CallState; reason: string }
  /** A turn's latency: from the end of the caller's speech to the agent's first audio (null for the greeting). */
  | { type: 'turn'; index: number; latencyMs: number | null; callerText: string; agentText: string }
  | { type: 'ended'; reason: string };

/** One live message: which call, when (epoch ms), and what. `tenantId` routes it; control drops it before the browser. */
export type LiveMessage = LiveEvent & { callId: string; tenantId: string; t: number };
