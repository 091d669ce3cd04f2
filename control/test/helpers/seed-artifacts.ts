// Calls with artifacts for the artifact tests: the call record comes from real timeline events (CallIngest), the
// objects are put in the test control's own store under the key the edge's recorder uses.
import { randomBytes } from 'node:crypto';
import { artifactKey } from '@invorto/artifacts/artifact-store.ts';
import { CallIngest } from '../../src/modules/calls/ingest.ts';
import { scriptedCall } from './call-events.ts';
import type { TestControl } from './test-control.ts';

export interface SeededCall { callId: string; tenantId: string; startedAt: Date; objects: Record<string, Buffer> }

const CONTENT_TYPES: Record<string, string> = { 'recording.wav': 'audio/wav', 'transcript.json': 'application/json', 'events.jsonl': 'application/x-ndjson' };

export async function seedCallWithArtifacts(t: TestControl, options: { callId: string; tenantId?: string; agentId?: string; startMs?: number; names?: string[]; recordingBytes?: number }): Promise<SeededCall> {
  const tenantId = options.tenantId ?? t.tenantId;
  const startMs = options.startMs ?? Date.UTC(2026, 11, 1, 10, 0, 0);
  await new CallIngest(t.control.ctx.database.db).apply(scriptedCall({ callId: options.callId, tenantId, agentId: options.agentId, startMs }));
  const objects: Record<string, Buffer> = {};
  for (const name of options.names ?? ['recording.wav', 'transcript.json']) {
    const bytes = name === 'recording.wav' ? randomBytes(options.recordingBytes ?? 150_000) : Buffer.from(JSON.stringify({ callId: options.callId, name }));
    objects[name] = bytes;
    await t.control.ctx.artifacts.store.put(artifactKey(tenantId, options.callId, new Date(startMs), name), { bytes },
      { tenantId, callId: options.callId, agentId: options.agentId ?? 'demo', contentType: CONTENT_TYPES[name] ?? 'application/octet-stream' });
  }
  return { callId: options.callId, tenantId, startedAt: new Date(startMs), objects };
}

/** The body of a response as bytes. */
export async function bytesOf(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}
