// Edges register and heartbeat on the internal API; GET /v1/edges lists them; an edge that stops heartbeating is
// marked lost by the sweeper and its open calls are closed `edge-lost`, once, even with several control replicas.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallIngest } from '../src/modules/calls/ingest.ts';
import { EdgeSweeper } from '../src/modules/edges/sweeper.ts';
import { scriptedCall, until } from './helpers/call-events.ts';
import { dialects, startTestControl, type TestControl } from './helpers/test-control.ts';

describe.each(dialects())('edges on %s', (dialect) => {
  let t: TestControl;
  beforeAll(async () => { t = await startTestControl(dialect, { settings: { edgeLostAfterS: 1, edgeSweepEveryMs: 100 } }); });
  afterAll(async () => { await t.close(); });

  const beat = (body: Record<string, unknown>, token?: string) => t.internal('/internal/edges/heartbeat', {
    method: 'POST', json: { address: 'http://10.0.0.1:8081', version: '0.1.0', activeCalls: 0, cpu: 1.5, ...body },
    ...(token === undefined ? {} : { headers: { 'x-invorto-internal': token } }),
  });
  const edge = async (id: string) => ((await (await t.api('/v1/edges')).json()).edges as { id: string; state: string }[]).find((e) => e.id === id);
  const call = async (id: string) => (await t.api(`/v1/calls/${id}`)).json();

  it('registers an edge on its first heartbeat and lists it with its state, calls and CPU', async () => {
    const response = await beat({ id: 'edge-list', activeCalls: 3, cpu: 42.5 });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ state: 'up', lostAfterS: 1 });
    expect(await edge('edge-list')).toMatchObject({ id: 'edge-list', address: 'http://10.0.0.1:8081', version: '0.1.0', state: 'up', activeCalls: 3, cpu: 42.5, lostAt: null });
    await beat({ id: 'edge-list', draining: true, activeCalls: 1 });
    expect(await edge('edge-list')).toMatchObject({ state: 'draining', activeCalls: 1 });
  });

  it('refuses a heartbeat without the internal token or with a bad body; the public port has no heartbeat route', async () => {
    expect((await beat({ id: 'edge-x' }, 'wrong')).status).toBe(401);
    const bad = await beat({ id: 'edge-x', activeCalls: -1 });
    expect(bad.status).toBe(400);
    expect((await bad.json()).path).toBe('$.activeCalls');
    expect((await beat({ id: 'edge-x', colour: 'red' })).status).toBe(400);
    expect((await fetch(`${t.url}/internal/edges/heartbeat`, { method: 'POST' })).status).toBe(404);
    expect((await t.api('/v1/edges', { as: await t.keyWith(['calls:read']) })).status).toBe(403);
    expect((await t.api('/v1/edges', { as: await t.tokenFor('viewer') })).status).toBe(200);
    // Edges are the operator's: another tenant, even its owner, is refused.
    const other = await t.newTenant();
    const refused = await t.api('/v1/edges', { as: other.ownerToken });
    expect(refused.status).toBe(403);
    expect(JSON.stringify(await refused.json())).not.toContain('127.0.0.1');
  });

  it('marks an edge that stops heartbeating lost and closes its open calls edge-lost, leaving other calls alone', async () => {
    const ingest = new CallIngest(t.control.ctx.database.db);
    await ingest.apply(scriptedCall({ callId: 'on-dying-open', edgeId: 'edge-dying', open: true }));
    await ingest.apply(scriptedCall({ callId: 'on-dying-ended', edgeId: 'edge-dying' }));
    await ingest.apply(scriptedCall({ callId: 'on-alive-open', edgeId: 'edge-alive', open: true }));
    await beat({ id: 'edge-dying', activeCalls: 1 });
    // edge-alive keeps heartbeating; edge-dying never does again.
    const alive = setInterval(() => void beat({ id: 'edge-alive', activeCalls: 1 }), 200);
    try {
      const startedMs = Date.now();
      await until(async () => (await edge('edge-dying'))?.state === 'lost', 'edge-dying marked lost', 5000);
      // 1 s without a heartbeat + a 100 ms sweep; the slack is for a loaded test machine.
      expect(Date.now() - startedMs).toBeLessThan(4000);
      const closed = await until(async () => { const c = await call('on-dying-open'); return c.outcome ? c : null; }, 'its open call closed');
      expect(closed).toMatchObject({ outcome: 'edge-lost', endedAt: expect.any(String) });
      expect(closed.durationS).toBeGreaterThan(0);
      expect(await call('on-dying-ended')).toMatchObject({ outcome: 'caller_hangup', durationS: 12.5 });
      expect(await call('on-alive-open')).toMatchObject({ outcome: null });
      expect(await edge('edge-alive')).toMatchObject({ state: 'up' });
    } finally {
      clearInterval(alive);
    }
    // A call-started that arrives after its edge was lost is closed by the next sweep; a lost edge that beats is up.
    await ingest.apply(scriptedCall({ callId: 'on-dying-late', edgeId: 'edge-dying', open: true }));
    expect(await until(async () => (await call('on-dying-late')).outcome, 'the late call closed')).toBe('edge-lost');
    await beat({ id: 'edge-dying' });
    expect(await edge('edge-dying')).toMatchObject({ state: 'up', lostAt: null });
  });

  it('closes the calls an edge held before it restarted, and none of its new ones', async () => {
    const ingest = new CallIngest(t.control.ctx.database.db);
    const bootMs = Date.UTC(2026, 11, 1, 9);
    await beat({ id: 'edge-restart', bootedAt: bootMs });
    await ingest.apply(scriptedCall({ callId: 'before-restart', edgeId: 'edge-restart', open: true, startMs: bootMs + 60_000 }));
    await ingest.apply(scriptedCall({ callId: 'after-restart', edgeId: 'edge-restart', open: true, startMs: bootMs + 3_600_000 }));
    await beat({ id: 'edge-restart', bootedAt: bootMs });
    expect((await call('before-restart')).outcome).toBeNull();
    await beat({ id: 'edge-restart', bootedAt: bootMs + 120_000 });
    expect((await call('before-restart')).outcome).toBe('edge-lost');
    expect((await call('after-restart')).outcome).toBeNull();
  });

  it('closes each call once when several control replicas sweep at the same time', async () => {
    const ingest = new CallIngest(t.control.ctx.database.db);
    for (let i = 0; i < 20; i++) await ingest.apply(scriptedCall({ callId: `race-${i}`, edgeId: 'edge-race', open: true }));
    await t.control.ctx.database.db.insertInto('edges').values({
      id: 'edge-race', address: 'x', version: '0', active_calls: 20, cpu: 0, state: 'up', first_seen_at: Date.now(), last_seen_at: Date.now(), lost_at: null,
    }).execute();
    // Four replicas whose clocks are a minute on (the edge is fresh for this control's own background sweeper).
    const replicas = Array.from({ length: 4 }, () => new EdgeSweeper({ ...t.control.ctx, now: () => Date.now() + 60_000 }));
    const results = await Promise.all(replicas.map((r) => r.sweep()));
    expect(results.flatMap((r) => r.lostEdges).filter((id) => id === 'edge-race')).toEqual(['edge-race']);
    const closed = results.flatMap((r) => r.closedCalls).filter((c) => c.edgeId === 'edge-race').map((c) => c.id).sort();
    // Each call closed by exactly one replica. This control's own background sweep (every 100 ms) closes the calls of
    // lost edges too, and on a loaded host it can take all 20 before the replicas get to them: so no count here.
    expect(new Set(closed).size).toBe(closed.length);
    for (let i = 0; i < 20; i++) expect((await call(`race-${i}`)).outcome).toBe('edge-lost');
  });
});
