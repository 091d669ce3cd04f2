// Control's GET /metrics: HTTP requests by route pattern (never a raw path), requests in flight, the timeline
// ingest (stored, duplicates, failures, the group's backlog on the embedded log and on Redis), the database and
// the process, in a registry per control; open on the internal port, absent from the public one.
import { request as httpRequest } from 'node:http';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendToTimeline, encode, scriptedCall, until } from './helpers/call-events.ts';
import { Scrape } from './helpers/prometheus-text.ts';
import { redisServerMissing, startRedisServer } from './helpers/redis-server.ts';
import { dialects, startTestControl, type TestControl } from './helpers/test-control.ts';

const DURATION_COUNT = 'invorto_control_http_request_duration_seconds_count';
const IN_FLIGHT = 'invorto_control_http_requests_in_flight';
const STORED = 'invorto_control_timeline_events_stored_total';
const ERRORS = 'invorto_control_timeline_ingest_errors_total';
const GROUP = 'invorto_control_timeline_group_entries';

async function scrape(t: TestControl): Promise<Scrape> {
  const response = await fetch(`${t.internalUrl}/metrics`);
  expect(response.status).toBe(200);
  return new Scrape(await response.text());
}

const recordOf = (t: TestControl, callId: string) => until(async () => (await (await t.api(`/v1/calls/${callId}`)).json()).outcome, `call ${callId}'s record`);

describe.each(dialects())('control /metrics on %s', (dialect) => {
  let t: TestControl;
  beforeAll(async () => { t = await startTestControl(dialect, { ingestTimeline: true }); });
  afterAll(async () => { await t?.close(); });

  it('is served on the internal port without a token, and not on the public one', async () => {
    const response = await fetch(`${t.internalUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await response.text()).toContain('# TYPE invorto_control_http_request_duration_seconds histogram');
    // The rest of the internal API still wants the token; the public port (the Ingress's) has no /metrics.
    expect((await fetch(`${t.internalUrl}/internal/changes?since=0`)).status).toBe(401);
    expect((await fetch(`${t.url}/metrics`)).status).toBe(404);
  });

  it('times requests under their route pattern and status class, never under the raw path', async () => {
    const missing = `no-such-agent-${randomBytes(4).toString('hex')}`;
    const labels = (status: string) => ({ api: 'public', method: 'GET', route: '/v1/agents/:id', status_class: status });
    const before = await scrape(t);
    expect((await t.api('/v1/agents/demo')).status).toBe(200);
    expect((await t.api(`/v1/agents/${missing}`)).status).toBe(404);
    expect((await t.api('/v1/agents/demo', { as: 'ivk_wrong' })).status).toBe(401);
    const after = await scrape(t);
    for (const status of ['2xx', '4xx']) {
      expect(after.value(DURATION_COUNT, labels(status)), status).toBe((before.value(DURATION_COUNT, labels(status)) ?? 0) + (status === '2xx' ? 1 : 2));
    }
    expect(after.value('invorto_control_http_request_duration_seconds_sum', labels('2xx'))).toBeGreaterThan(0);
    expect(after.text).not.toContain(missing);
    expect(after.text).not.toContain('route="/v1/agents/demo"');
  });

  it('counts a request no route matches under one fixed label, so a scanner cannot add series', async () => {
    const probes = [`/v1/scan-${randomBytes(4).toString('hex')}/x`, `/wp-login-${randomBytes(4).toString('hex')}.php`];
    const unmatched = { api: 'public', route: 'unmatched', status_class: '4xx' };
    const before = (await scrape(t)).value(DURATION_COUNT, unmatched) ?? 0;
    expect((await fetch(`${t.url}${probes[0]}`)).status).toBe(404);
    expect((await fetch(`${t.url}${probes[1]}`, { method: 'POST' })).status).toBe(404);
    const after = await scrape(t);
    expect(after.value(DURATION_COUNT, unmatched)).toBe(before + 2);
    for (const probe of probes) expect(after.text).not.toContain(probe);
    const routes = after.labelValues(DURATION_COUNT, 'route');
    expect(routes.filter((r) => !r.startsWith('/'))).toEqual(['unmatched']);
  });

  const holdRequest = async () => {
    const held = httpRequest(`${t.url}/v1/agents`, {
      method: 'POST', headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json', 'content-length': '64' },
    });
    held.on('error', () => {}); // the abandoned one's socket is destroyed on purpose
    held.write('{"name":');
    await until(async () => (await scrape(t)).value(IN_FLIGHT, { api: 'public' }) === 1, 'the held request in flight');
    return held;
  };

  it('gauges requests in flight: one held open with half its body, then none once it is answered', async () => {
    const held = await holdRequest();
    const answered = once(held, 'response');
    // The scrape itself is the internal port's one request in flight.
    expect((await scrape(t)).value(IN_FLIGHT, { api: 'internal' })).toBe(1);
    held.end(' '.repeat(56));
    const [response] = (await answered) as [import('node:http').IncomingMessage];
    response.resume();
    await once(response, 'end');
    expect(response.statusCode).toBe(400);
    await until(async () => (await scrape(t)).value(IN_FLIGHT, { api: 'public' }) === 0, 'no request in flight');
  });

  it('stops gauging a request whose client went away before it was answered', async () => {
    (await holdRequest()).destroy();
    await until(async () => (await scrape(t)).value(IN_FLIGHT, { api: 'public' }) === 0, 'the abandoned request no longer in flight', 3000);
  });

  it('counts the timeline events it stores by kind, the redelivered ones it skips and the ones it cannot store', async () => {
    const events = scriptedCall({ callId: 'm-call' });
    await appendToTimeline(t.dataDir, events);
    await recordOf(t, 'm-call');
    let m = await scrape(t);
    expect(m.value(STORED)).toBe(events.length);
    expect(m.value(STORED, { kind: 'callStarted' })).toBe(1);
    expect(m.value(STORED, { kind: 'turn' })).toBe(2);
    expect(m.value(STORED, { kind: 'callEnded' })).toBe(1);
    expect(m.value('invorto_control_timeline_events_duplicate_total')).toBe(0);
    expect(m.value('invorto_control_timeline_ingest_batch_seconds_count')).toBeGreaterThanOrEqual(1);

    await appendToTimeline(t.dataDir, [...events, ...scriptedCall({ callId: 'm-marker' })]);
    await recordOf(t, 'm-marker');
    m = await scrape(t);
    expect(m.value('invorto_control_timeline_events_duplicate_total')).toBe(events.length);
    expect(m.value(STORED)).toBe(2 * events.length);
    expect(m.value(ERRORS)).toBe(0);
    expect(m.value(GROUP, { state: 'pending' })).toBe(0);

    // No tenant id: refused on every delivery, pending while it is retried, dead-lettered after the fifth.
    await appendToTimeline(t.dataDir, [encode('m-bad', 1, Date.now(), { callStarted: { transport: 'twilio' } }, { tenantId: '' })]);
    await until(async () => ((await scrape(t)).value(ERRORS) ?? 0) >= 1, 'the first failure');
    expect((await scrape(t)).value(GROUP, { state: 'pending' })).toBe(1);
    await until(async () => (await scrape(t)).value(GROUP, { state: 'pending' }) === 0, 'the bad event dead-lettered', 15_000);
    m = await scrape(t);
    expect(m.value(ERRORS)).toBe(5);
    expect(m.value(GROUP, { state: 'unread' }), 'the embedded log does not count unread entries').toBeUndefined();
  });

  it('names its database driver and, on PostgreSQL, reads the pool', async () => {
    const m = await scrape(t);
    expect(m.value('invorto_control_database_info', { driver: dialect })).toBe(1);
    expect(m.labelValues('invorto_control_database_info', 'driver')).toEqual([dialect]);
    const open = m.value('invorto_control_database_pool_connections');
    if (dialect === 'sqlite') {
      expect(open).toBeUndefined();
      return;
    }
    expect(open).toBeGreaterThanOrEqual(1);
    expect(m.value('invorto_control_database_pool_idle_connections')).toBeLessThanOrEqual(open!);
    expect(m.value('invorto_control_database_pool_waiting_queries')).toBe(0);
    expect(m.value('invorto_control_database_pool_max_connections')).toBe(10);
  });

  it('exports the process metrics under invorto_control_', async () => {
    const m = await scrape(t);
    expect(m.value('invorto_control_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(m.value('invorto_control_nodejs_eventloop_lag_p99_seconds')).toBeDefined();
    expect(m.value('process_cpu_user_seconds_total'), 'nothing from prom-client\'s global registry').toBeUndefined();
  });
});

describe('two controls in one process', () => {
  it('keep their own registries', async () => {
    const [a, b] = [await startTestControl('sqlite'), await startTestControl('sqlite')];
    try {
      const health = { api: 'public', route: '/health' };
      for (let i = 0; i < 3; i++) expect((await fetch(`${b.url}/health`)).status).toBe(200);
      expect((await scrape(b)).value(DURATION_COUNT, health)).toBe(3);
      expect((await scrape(a)).value(DURATION_COUNT, health)).toBeUndefined();
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe.skipIf(redisServerMissing)('control /metrics with the timeline on Redis', () => {
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  let t: TestControl;
  beforeAll(async () => {
    redis = await startRedisServer();
    t = await startTestControl('sqlite', { ingestTimeline: true, redisUrl: redis.url });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.close();
  });

  const append = (events: Uint8Array[]) => appendToTimeline(t.dataDir, events, redis.url);

  it('reports the consumer group\'s pending and unread entries from Redis', async () => {
    await append(scriptedCall({ callId: 'r-call' }));
    await recordOf(t, 'r-call');
    let m = await scrape(t);
    expect(m.value(STORED)).toBe(scriptedCall({ callId: 'r-call' }).length);
    expect(m.value(GROUP, { state: 'pending' })).toBe(0);
    expect(m.value(GROUP, { state: 'unread' })).toBe(0);
    // A failing event stays pending with its consumer until claimed again (30 s), so the gauge holds it.
    await append([encode('r-bad', 1, Date.now(), { callStarted: { transport: 'twilio' } }, { tenantId: '' })]);
    await until(async () => ((await scrape(t)).value(ERRORS) ?? 0) >= 1, 'the failure');
    m = await scrape(t);
    expect(m.value(GROUP, { state: 'pending' })).toBe(1);
    expect(m.value(GROUP, { state: 'unread' })).toBe(0);
  });
});
