// Retention on the local-disk store, on both databases: the rules come from the tenant's retentionDays and each
// agent's published recording.retentionDays, and control's background applier (at start, then every interval)
// deletes objects older than their rule, an agent's rule winning for its calls; objects without a rule stay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { artifactKey } from '@invorto/artifacts/artifact-store.ts';
import type { LocalDiskStore } from '@invorto/artifacts/local-disk-store.ts';
import { retentionRules } from '../src/modules/artifacts/retention.ts';
import { until } from './helpers/call-events.ts';
import { dialects, startTestControl, type TestControl } from './helpers/test-control.ts';
import { seedCallWithArtifacts } from './helpers/seed-artifacts.ts';

const DAY_MS = 86_400_000;
const { id: _id, tenantId: _tenant, ...agentSettings } = demoAgent('x');

describe.each(dialects())('artifact retention on local disk, %s', (dialect) => {
  let t: TestControl;
  let other: { tenantId: string; apiKey: string };
  const logs: Record<string, unknown>[] = [];
  beforeAll(async () => {
    t = await startTestControl(dialect, { settings: { retentionEveryMs: 200 }, log: (line) => logs.push(line) });
    other = await t.newTenant();
  });
  afterAll(async () => { await t.close(); });

  it("keeps the tenant's retention, shown and validated on /v1/tenant", async () => {
    expect((await (await t.api('/v1/tenant')).json()).retentionDays).toBeNull();
    const set = await t.api('/v1/tenant', { method: 'PATCH', json: { retentionDays: 30 } });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ id: t.tenantId, name: 'Default tenant', retentionDays: 30 });
    expect((await t.api('/v1/tenant', { method: 'PATCH', json: { retentionDays: 0 } })).status).toBe(400);
    expect((await t.api('/v1/tenant', { method: 'PATCH', json: { name: 'Renamed' } })).status).toBe(200);
    expect(await (await t.api('/v1/tenant')).json()).toMatchObject({ name: 'Renamed', retentionDays: 30 });
  });

  it('deletes what is older than its rule in the background, an agent\'s rule first, and logs it', async () => {
    const created = await t.api('/v1/agents', { method: 'POST', json: { id: 'short', ...agentSettings, name: 'Short memory', recording: { mode: 'stereo', retentionDays: 7 } } });
    expect(created.status).toBe(201);
    expect(await retentionRules(t.control.ctx.database.db)).toEqual([
      { tenantId: t.tenantId, days: 30 }, { tenantId: t.tenantId, agentId: 'short', days: 7 },
    ]);
    const store = t.control.ctx.artifacts.store as LocalDiskStore;
    const now = Date.now();
    const calls = [
      { callId: 'tenant-40d', agentId: 'demo', ageDays: 40, tenantId: t.tenantId, kept: false },
      { callId: 'tenant-10d', agentId: 'demo', ageDays: 10, tenantId: t.tenantId, kept: true },
      { callId: 'agent-10d', agentId: 'short', ageDays: 10, tenantId: t.tenantId, kept: false },
      { callId: 'agent-3d', agentId: 'short', ageDays: 3, tenantId: t.tenantId, kept: true },
      { callId: 'norule-400d', agentId: 'demo', ageDays: 400, tenantId: other.tenantId, kept: true },
    ];
    for (const call of calls) {
      const startMs = now - call.ageDays * DAY_MS;
      const seeded = await seedCallWithArtifacts(t, { callId: call.callId, tenantId: call.tenantId, agentId: call.agentId, startMs, recordingBytes: 1000 });
      for (const name of Object.keys(seeded.objects)) await store.setLastModified(artifactKey(call.tenantId, call.callId, seeded.startedAt, name), new Date(startMs));
    }
    const remaining = async () => (await store.list('')).map((info) => info.key.split('/')[4]);
    const expected = calls.filter((c) => c.kept).flatMap((c) => [c.callId, c.callId]).sort();
    await until(async () => JSON.stringify((await remaining()).sort()) === JSON.stringify(expected), 'the retention applier to delete the old objects', 10_000);
    expect(logs.some((line) => String(line.msg).startsWith('artifact retention applied by the local sweep: 2 rules') && Number(line.deleted) > 0)).toBe(true);
    // The deleted calls' records stay; asking for their recording is a plain 404.
    expect((await t.api('/v1/calls/tenant-40d/recording')).status).toBe(404);
    expect((await t.api('/v1/calls/tenant-10d/recording')).status).toBe(200);
  });
});
