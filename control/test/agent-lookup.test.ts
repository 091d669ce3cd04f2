// The internal look-ups the edge makes, and the change feed its cache follows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { validateAgentConfig } from '@invorto/proto/agent-config.ts';
import { dialects, startTestControl, type TestControl } from './helpers/test-control.ts';

describe.each(dialects())('the edge\'s look-ups on %s', (dialect) => {
  let t: TestControl;
  beforeAll(async () => { t = await startTestControl(dialect); });
  afterAll(async () => { await t.close(); });

  const changes = async (since: number) => (await t.internal(`/internal/changes?since=${since}`)).json() as Promise<{ changes: { seq: number; tenantId: string; kind: string; key: string }[]; latest: number }>;

  it('serves the published agent with its version, valid by the edge\'s own check', async () => {
    const response = await t.internal(`/internal/agents/${t.tenantId}/demo`);
    expect(response.status).toBe(200);
    const agent = await response.json();
    expect(agent).toMatchObject({ ...demoAgent(t.tenantId), version: 1 });
    expect(validateAgentConfig(agent)).toEqual([]);
    expect((await t.internal(`/internal/agents/${t.tenantId}/nobody`)).status).toBe(404);
    expect((await t.internal('/internal/agents/other-tenant/demo')).status).toBe(404);
  });

  it('needs the internal token', async () => {
    expect((await fetch(`${t.internalUrl}/internal/agents/${t.tenantId}/demo`)).status).toBe(401);
    expect((await fetch(`${t.internalUrl}/internal/numbers/%2B14155550100`)).status).toBe(401);
    expect((await fetch(`${t.internalUrl}/internal/changes?since=0`)).status).toBe(401);
  });

  it('records every agent and number write in the change feed, in order', async () => {
    const start = (await changes(0)).latest;
    const { id: _id, tenantId: _tenant, ...settings } = demoAgent('x');
    const created = await (await t.api('/v1/agents', { method: 'POST', json: { id: 'fed', ...settings } })).json();
    const updated = await (await t.api('/v1/agents/fed', { method: 'PUT', json: { ...settings, greeting: 'new' }, headers: { 'if-match': created.etag } })).json();
    await t.api('/v1/agents/fed/publish', { method: 'POST', json: { version: updated.latestVersion } });
    await t.api('/v1/numbers', { method: 'POST', json: { number: '+14155550142', agentId: 'fed' } });
    await t.api(`/v1/numbers/${encodeURIComponent('+14155550142')}`, { method: 'PATCH', json: { label: 'x' } });
    await t.api(`/v1/numbers/${encodeURIComponent('+14155550142')}`, { method: 'DELETE' });
    await t.api('/v1/agents/fed', { method: 'DELETE' });
    // Refused writes change nothing.
    await t.api('/v1/agents/fed', { method: 'DELETE' });
    const feed = await changes(start);
    expect(feed.changes.map((c) => `${c.kind}:${c.key}`)).toEqual([
      'agent:fed', 'agent:fed', 'agent:fed', 'number:+14155550142', 'number:+14155550142', 'number:+14155550142', 'agent:fed',
    ]);
    expect(feed.changes.every((c) => c.tenantId === t.tenantId)).toBe(true);
    const seqs = feed.changes.map((c) => c.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(feed.latest).toBe(seqs[seqs.length - 1]);
    expect(await changes(feed.latest)).toEqual({ changes: [], latest: feed.latest });
    expect((await t.internal('/internal/changes?since=-1')).status).toBe(400);
    expect((await t.internal('/internal/changes')).status).toBe(400);
  });

  it('routes a dialled number to its tenant and agent; an unknown one is 404', async () => {
    await t.api('/v1/numbers', { method: 'POST', json: { number: '+14155550177', agentId: 'demo' } });
    expect(await (await t.internal('/internal/numbers/%2B14155550177')).json()).toEqual({ tenantId: t.tenantId, agentId: 'demo' });
    const unknown = await t.internal('/internal/numbers/%2B19999999999');
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).code).toBe('not_found');
  });
});
