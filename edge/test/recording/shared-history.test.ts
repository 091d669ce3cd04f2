// Call histories written through to the artifact store (the signed S3 test server: real SDK, real signatures), so
// a call that ended on one edge can be resumed on another that never saw it; only by its own tenant.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openArtifactStore } from '@invorto/artifacts/open-store.ts';
import { startSignedS3Server, type SignedS3Server } from '../../../proto/artifacts/testing/s3-server.ts';
import { HistoryStore, type CallHistoryRecord } from '../../src/runtime/history-store.ts';

let s3: SignedS3Server;
const dirs: string[] = [];
beforeAll(async () => { s3 = await startSignedS3Server(); });
afterAll(async () => {
  await s3.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const edgeStore = () => {
  const dir = mkdtempSync(join(tmpdir(), 'invorto-history-'));
  dirs.push(dir);
  const errors: Error[] = [];
  return { store: new HistoryStore(dir, (_id, error) => errors.push(error), openArtifactStore({ dir: '', s3: s3.settings })), errors };
};

const record = (ended: boolean): CallHistoryRecord => ({
  callId: 'sip-call-7@pbx.example', tenantId: 'acme', agentId: 'demo', updatedAt: new Date().toISOString(), ended,
  messages: [{ role: 'system', content: 'You are a clinic.' }, { role: 'user', content: 'What are your hours?' }, { role: 'assistant', content: 'Nine to six.' }],
});

it('finds an ended call\'s history on another edge, through the shared store, for its own tenant only', async () => {
  const first = edgeStore();
  const second = edgeStore();
  first.store.save(record(false));
  await first.store.flush();
  expect(await second.store.find('acme', 'sip-call-7@pbx.example')).toBeNull(); // mid-call: only on the first edge
  first.store.save(record(true));
  await first.store.flush();
  expect(first.errors).toEqual([]);
  expect(second.store.load('sip-call-7@pbx.example')).toBeNull(); // not on the second edge's disk
  const found = await second.store.find('acme', 'sip-call-7@pbx.example');
  expect(found).toMatchObject({ callId: 'sip-call-7@pbx.example', tenantId: 'acme', ended: true });
  expect(found!.messages.map((m) => m.content)).toEqual(['You are a clinic.', 'What are your hours?', 'Nine to six.']);
  expect(await second.store.find('other-tenant', 'sip-call-7@pbx.example')).toBeNull();
});

it('keeps the local copy and reports the error when the shared store is down', async () => {
  const edge = edgeStore();
  s3.fault('503');
  try {
    edge.store.save({ ...record(true), callId: 'call-while-s3-down' });
    await edge.store.flush();
  } finally {
    s3.fault('none');
  }
  expect(edge.errors).toHaveLength(1);
  expect(edge.store.load('call-while-s3-down')?.ended).toBe(true);
});
