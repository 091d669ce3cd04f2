// Spending limits through a real edge and a real control (SQLite): a tenant over its monthly budget is refused
// (WebSocket close 1008 and SIP 403, both with the reason, counted as `budget`); a call at its per-call cap hears the
// closing line and is hung up with `cost-limit`; with control stopped mid-call the call goes on, and control bills
// it from the durable timeline when it comes back.
import { createSocket, type Socket } from 'node:dgram';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { startControl, type RunningControl } from '../../../control/src/start-control.ts';
import { INTERNAL_TOKEN, startTestControl, type TestControl } from '../../../control/test/helpers/test-control.ts';
import { placeTwilioCall } from '../../src/sim/carrier-caller.ts';
import { silenceFrames } from '../../src/sim/caller-sounds.ts';
import { CLOSING, sleep, startBudgetEdge, until, type BudgetEdge } from '../helpers/budget-edge.ts';

const SDP = ['v=0', 'o=caller 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');

describe('spending limits, edge and control', () => {
  let t: TestControl;
  let control: RunningControl;
  let restarted: RunningControl | null = null;
  let edge: BudgetEdge;
  const tenants: Record<'broke' | 'capped' | 'partition', { tenantId: string; apiKey: string }> = {} as never;

  beforeAll(async () => {
    t = await startTestControl('sqlite', { ingestTimeline: true });
    control = t.control;
    const { id: _id, tenantId: _tenant, ...settings } = demoAgent('x');
    for (const name of ['broke', 'capped', 'partition'] as const) {
      const tenant = await t.newTenant(name);
      tenants[name] = tenant;
      expect((await t.api('/v1/agents', { method: 'POST', json: { id: 'demo', ...settings }, as: tenant.apiKey })).status).toBe(201);
    }
    const terms = (tenantId: string, json: unknown) => t.api(`/v1/pricing/tenants/${tenantId}`, { method: 'PUT', json });
    expect((await terms(tenants.broke.tenantId, { monthlyBudgetPaise: 0 })).status).toBe(200);
    expect((await terms(tenants.capped.tenantId, { monthlyBudgetPaise: 1_000_000, callCapPaise: 40 })).status).toBe(200);
    expect((await terms(tenants.partition.tenantId, { monthlyBudgetPaise: 1_000_000, callCapPaise: 100_000 })).status).toBe(200);
    expect((await t.api('/v1/numbers', { method: 'POST', json: { number: '+14155550190', agentId: 'demo' }, as: tenants.broke.apiKey })).status).toBe(201);
    edge = await startBudgetEdge(t, { sip: true });
  }, 60_000);

  afterAll(async () => {
    await edge?.edge.close();
    if (restarted) {
      await restarted.close();
      rmSync(t.dataDir, { recursive: true, force: true });
    } else await t?.close();
  });

  it('refuses a call of a tenant over its budget: WebSocket close 1008 and SIP 403, with the reason, counted', async () => {
    const call = await placeTwilioCall({ url: edge.mediaUrl(tenants.broke.tenantId), frames: silenceFrames(1000), quietHangupMs: 500, maxDurationMs: 10_000 });
    expect(call.closeCode).toBe(1008);
    expect(call.closeReason).toMatch(/^Monthly budget spent \(\d{4}-\d{2}\)$/);
    expect(call.framesReceived).toBe(0);

    const sip: Socket = createSocket('udp4');
    await new Promise<void>((r) => sip.bind(0, '127.0.0.1', () => r()));
    const responses: string[] = [];
    sip.on('message', (m) => responses.push(m.toString()));
    const port = edge.edge.sip!.port;
    const me = sip.address().port;
    sip.send([
      `INVITE sip:+14155550190@127.0.0.1:${port} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${me};branch=z9hG4bKbudget1`, 'Max-Forwards: 70',
      'From: <sip:carrier@127.0.0.1>;tag=c1', `To: <sip:+14155550190@127.0.0.1:${port}>`, 'Call-ID: budget-sip-1', 'CSeq: 1 INVITE',
      `Contact: <sip:carrier@127.0.0.1:${me}>`, 'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(SDP)}`, '', SDP,
    ].join('\r\n'), port, '127.0.0.1');
    const final = await until(() => responses.find((r) => /^SIP\/2\.0 [2-6]\d\d/.test(r)), 'the final SIP response', 10_000);
    sip.close();
    expect(final.split('\r\n')[0]).toMatch(/^SIP\/2\.0 403 Monthly budget spent \(\d{4}-\d{2}\)$/);
    expect(await edge.refusedForBudget()).toBe(2);
  });

  it('hangs a call up at its per-call cap with cost-limit, after the closing line', async () => {
    // The demo agent is on "auto", which on this edge (no vendor keys) is pocketsphinx and Flite: usage is billed (and
    // estimated) per engine that served, so the greeting and the offline ASR cost nothing, and the line runs at
    // Twilio's 1.42 p a second all in: a 40-paise cap is reached some 28 s into a call whose caller says nothing,
    // well before its 40 s of audio end.
    const call = await placeTwilioCall({ url: edge.mediaUrl(tenants.capped.tenantId), frames: silenceFrames(40_000), quietHangupMs: 2000, maxDurationMs: 50_000 });
    const record = edge.seen.get(call.callId!)!;
    expect(record.ended).toMatchObject({ reason: 'cost-limit', detail: expect.stringContaining("the tenant's per-call cap of 40 paise") });
    expect(record.budget.map((b) => `${b.scope}:${b.percent}`)).toEqual(['call:80', 'call:100']);
    expect(record.speech).toContain(CLOSING);
    const cap = record.budget[1]!;
    const capToHangUpMs = record.ended!.atMs - cap.atMs;
    console.log(`cap reached at ${cap.spentPaise} p (cap 40 p); closing line and hang-up ${Math.round(capToHangUpMs)} ms later; call ${Math.round(record.ended!.durationS * 1000)} ms`);
    // Estimated every 100 ms: the line's cost overruns the cap by a tick's worth (about 0.15 p), rounded up.
    expect(cap.spentPaise).toBeLessThanOrEqual(41);
    expect(capToHangUpMs).toBeLessThan(8000);
    expect(call.closeCode).toBe(1000);
    expect(call.durationMs).toBeLessThan(37_000);
    // The call's events are on its durable timeline, from which control builds its record.
    const recorded = await until(async () => {
      const response = await t.api(`/v1/calls/${call.callId}`, { as: tenants.capped.apiKey });
      const body = response.status === 200 ? await response.json() : null;
      return body?.outcome ? body : null;
    }, 'the call record', 20_000);
    expect(recorded.outcome).toBe('cost-limit');
    const timeline = await (await t.api(`/v1/calls/${call.callId}/timeline`, { as: tenants.capped.apiKey })).json();
    expect(JSON.stringify(timeline)).toMatch(/"budget"[\s\S]*"percent":80[\s\S]*"percent":100/);
  }, 60_000);

  it('goes on with control stopped mid-call, and is billed when control comes back', async () => {
    const internalPort = Number(new URL(t.internalUrl).port);
    const placed = placeTwilioCall({ url: edge.mediaUrl(tenants.partition.tenantId), frames: silenceFrames(6000), quietHangupMs: 1000, maxDurationMs: 30_000 });
    await until(() => [...edge.seen.values()].find((s) => !s.ended && s !== undefined), 'the call started');
    await sleep(1500);
    await control.close();
    const call = await placed;
    const record = edge.seen.get(call.callId!)!;
    expect(record.ended?.reason).toBe('caller_hangup');
    expect(call.durationMs).toBeGreaterThan(6000);
    expect(edge.logs).toContainEqual(expect.objectContaining({ tenantId: tenants.partition.tenantId, msg: expect.stringContaining('control unreachable for budgets') }));
    restarted = await startControl({ host: '127.0.0.1', port: 0, internalPort, dataDir: t.dataDir, internalToken: INTERNAL_TOKEN, ingestTimeline: true });
    const billed = await until(async () => {
      const budget = await (await fetch(`${restarted!.internalUrl}/internal/budgets/${tenants.partition.tenantId}`, { headers: { 'x-invorto-internal': INTERNAL_TOKEN } })).json() as { spentPaise: number };
      return budget.spentPaise > 0 ? budget : null;
    }, 'the call billed after control came back', 30_000);
    console.log(`billed after control returned: ${billed.spentPaise} p`);
    expect(billed.spentPaise).toBeGreaterThan(0);
  }, 90_000);
});
