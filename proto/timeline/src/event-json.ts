// A stored CallEvent as plain JSON, for people and for control's records: the base fields plus its one kind.
import { v1 } from '@invorto/proto';

const BASE_FIELDS = new Set(['callId', 'seq', 'tsMs', 'tenantId', 'agentId']);

/** A CallEvent as JSON: its base fields and its one kind ("transcript", "turn", …) with that kind's payload. */
export function eventJson(encoded: Uint8Array): { callId: string; seq: number; tsMs: number; tenantId: string; agentId: string; kind: string; payload: Record<string, unknown> } {
  const object = v1.CallEvent.toObject(v1.CallEvent.decode(encoded), { longs: Number, defaults: false }) as Record<string, unknown>;
  const kind = Object.keys(object).find((key) => !BASE_FIELDS.has(key)) ?? 'unknown';
  return {
    callId: String(object.callId ?? ''), seq: Number(object.seq ?? 0), tsMs: Number(object.tsMs ?? 0),
    tenantId: String(object.tenantId ?? ''), agentId: String(object.agentId ?? ''), kind, payload: (object[kind] ?? {}) as Record<string, unknown>,
  };
}
