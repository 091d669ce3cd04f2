// The edge's agent and number look-ups against a real control: cached once warm (no request on a call's path), and
// dropped by control's change feed so an edit reaches the next call within a poll.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { dialects, INTERNAL_TOKEN, startTestControl, type TestControl } from '../../control/test/helpers/test-control.ts';
import { ControlAgentSource } from '../src/agents/agent-source.ts';
import { ChangeFeed, type Change } from '../src/agents/change-feed.ts';
import { asE164 } from '../src/agents/e164.ts';

const { id: _id, tenantId: _tenant, ...settings } = demoAgent('x');

/** A source whose requests to control are counted by path (the change feed's polls apart). */
function countingSource(t: TestControl, pollMs = 2000) {
  const lookups: string[] = [];
  const source = new ControlAgentSource(t.internalUrl, INTERNAL_TOKEN, {
    pollMs,
    fetch: (input, init) => {
      const path = new URL(String(input)).pathname;
      if (path !== '/internal/changes') lookups.push(decodeURIComponent(path));
      return fetch(input, init);
    },
  });
  return { source, lookups };
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<{ value: T; afterMs: number }> {
  const started = performance.now();
  for (;;) {
    const value = await read();
    if (done(value)) return { value, afterMs: performance.now() - started };
    if (performance.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.each(dialects())('the edge\'s agent source against control on %s', (dialect) => {
  let t: TestControl;
  beforeAll(async () => { t = await startTestControl(dialect); });
  afterAll(async () => { await t.close(); });

  it('answers a warm look-up from its cache, without a request to control', async () => {
    const { source, lookups } = countingSource(t);
    try {
      const cold = await source.get(t.tenantId, 'demo');
      expect(cold).toMatchObject({ id: 'demo', tenantId: t.tenantId, version: 1 });
      expect(lookups).toEqual([`/internal/agents/${t.tenantId}/demo`]);
      const warm: unknown[] = [];
      const started = performance.now();
      for (let i = 0; i < 1000; i++) warm.push(await source.get(t.tenantId, 'demo'));
      const warmMs = (performance.now() - started) / 1000;
      expect(warm.every((agent) => agent === cold)).toBe(true);
      expect(lookups).toHaveLength(1);
      console.log(`[agent-source ${dialect}] warm look-up ${(warmMs * 1000).toFixed(1)} µs`);
    } finally {
      source.close();
    }
  });

  it('gives the next call an edited agent within 3 s (change feed polled every 2 s)', async () => {
    const { source, lookups } = countingSource(t);
    try {
      const created = await (await t.api('/v1/agents', { method: 'POST', json: { id: 'edited', ...settings, greeting: 'first' } })).json();
      expect((await source.get(t.tenantId, 'edited')).greeting).toBe('first');
      const updated = await t.api('/v1/agents/edited?publish=true', { method: 'PUT', json: { ...settings, greeting: 'second' }, headers: { 'if-match': created.etag } });
      expect(updated.status).toBe(200);
      const { value, afterMs } = await until(() => source.get(t.tenantId, 'edited'), (agent) => agent.greeting === 'second', 3000);
      expect(value.version).toBe(2);
      console.log(`[agent-source ${dialect}] edited agent picked up after ${afterMs.toFixed(0)} ms (poll 2000 ms)`);
      // Once picked up, it is cached again: one more request in all.
      expect(lookups.filter((p) => p.endsWith('/edited'))).toHaveLength(2);
      // A rollback travels the same way.
      await t.api('/v1/agents/edited/publish', { method: 'POST', json: { version: 1 } });
      expect((await until(() => source.get(t.tenantId, 'edited'), (agent) => agent.version === 1, 3000)).value.greeting).toBe('first');
    } finally {
      source.close();
    }
  });

  it('routes numbers, caches unknown ones too, and sees a new or reassigned number within a poll', async () => {
    const { source, lookups } = countingSource(t, 200);
    try {
      expect(await source.agentForNumber('+14155550161')).toBeNull();
      expect(await source.agentForNumber('+14155550161')).toBeNull();
      expect(lookups).toEqual(['/internal/numbers/+14155550161']);
      await t.api('/v1/numbers', { method: 'POST', json: { number: '+14155550161', agentId: 'demo' } });
      expect((await until(() => source.agentForNumber('+14155550161'), (route) => route !== null, 3000)).value).toEqual({ tenantId: t.tenantId, agentId: 'demo' });
      await t.api('/v1/numbers/%2B14155550161', { method: 'PATCH', json: { agentId: 'edited' } });
      await until(() => source.agentForNumber('+14155550161'), (route) => route?.agentId === 'edited', 3000);
      await t.api('/v1/numbers/%2B14155550161', { method: 'DELETE' });
      await until(() => source.agentForNumber('+14155550161'), (route) => route === null, 3000);
    } finally {
      source.close();
    }
  });

  it('forgets a deleted agent, and keeps answering from its cache while control is down', async () => {
    const { source } = countingSource(t, 200);
    try {
      await t.api('/v1/agents', { method: 'POST', json: { id: 'short-lived', ...settings } });
      await source.get(t.tenantId, 'short-lived');
      await t.api('/v1/agents/short-lived', { method: 'DELETE' });
      await until(() => source.get(t.tenantId, 'short-lived').then(() => 'found', (error: Error) => error.message), (r) => r !== 'found', 3000);
      await expect(source.get(t.tenantId, 'short-lived')).rejects.toThrow(/control refused agent "short-lived"/);
    } finally {
      source.close();
    }
    const down = new ControlAgentSource(t.internalUrl, INTERNAL_TOKEN, { pollMs: 50 });
    try {
      await down.get(t.tenantId, 'demo');
      const unreachable = new ControlAgentSource('http://127.0.0.1:9', INTERNAL_TOKEN, { pollMs: 50 });
      await expect(unreachable.get(t.tenantId, 'demo')).rejects.toThrow(/unreachable.*INVORTO_CONTROL_URL/);
      unreachable.close();
    } finally {
      down.close();
    }
  });
});

describe('the change feed', () => {
  /** A feed whose control answers from `committed` (what a reader would see now). */
  function feedOver(committed: Change[]) {
    const dropped: string[] = [];
    let now = 0;
    const feed = new ChangeFeed({
      read: async (since) => {
        const changes = committed.filter((c) => c.seq > since).sort((a, b) => a.seq - b.seq);
        return { changes, latest: changes.length ? changes[changes.length - 1].seq : Math.max(0, ...committed.map((c) => c.seq)) };
      },
      onChange: (change) => dropped.push(change === 'reset' ? 'reset' : `${change.kind}:${change.key}`),
      gapTimeoutMs: 10_000,
      now: () => now,
    });
    return { feed, dropped, advance: (ms: number) => { now += ms; } };
  }
  const change = (seq: number, key: string): Change => ({ seq, tenantId: 't', kind: 'agent', key });

  it('starts where the feed is, then reports each change once', async () => {
    const committed = [change(1, 'old')];
    const { feed, dropped } = feedOver(committed);
    await feed.poll();
    expect(dropped).toEqual([]);
    committed.push(change(2, 'a'), change(3, 'b'));
    await feed.poll();
    await feed.poll();
    expect(dropped).toEqual(['agent:a', 'agent:b']);
  });

  it('does not skip a change whose transaction committed after a later one (PostgreSQL sequence order)', async () => {
    const committed = [change(1, 'x')];
    const { feed, dropped, advance } = feedOver(committed);
    await feed.poll();
    committed.push(change(3, 'later')); // 2 is taken but not yet committed
    await feed.poll();
    expect(dropped).toEqual(['agent:later']);
    committed.push(change(2, 'slow'));
    await feed.poll();
    expect(dropped).toEqual(['agent:later', 'agent:slow']);
    // A gap that never fills (a rolled-back transaction) is given up on after its timeout.
    committed.push(change(5, 'after-rollback'));
    await feed.poll();
    advance(11_000);
    await feed.poll();
    committed.push(change(6, 'next'));
    await feed.poll();
    expect(dropped).toEqual(['agent:later', 'agent:slow', 'agent:after-rollback', 'agent:next']);
  });

  it('drops everything when control\'s feed went backwards (a new database)', async () => {
    const committed = [change(1, 'a'), change(2, 'b')];
    const { feed, dropped } = feedOver(committed);
    await feed.poll();
    committed.splice(0, 2);
    await feed.poll();
    expect(dropped).toEqual(['reset']);
  });
});

describe('dialled numbers', () => {
  it('reads E.164 with or without its +', () => {
    expect(asE164('+14155550123')).toBe('+14155550123');
    expect(asE164('14155550123')).toBe('+14155550123');
    expect(asE164('demo')).toBeNull();
    expect(asE164('+0123456789')).toBeNull();
    expect(asE164('123')).toBeNull();
    expect(asE164('+1415555012345678')).toBeNull();
  });
});
