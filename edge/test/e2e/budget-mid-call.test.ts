// Limits reached during a call, through a real edge and a real control (SQLite): a tenant whose month was already
// partly spent runs out of budget mid-call (what control has billed plus the call's live estimate crosses it), so the
// agent says the closing line, the call ends `cost-limit` and the tenant's next call is refused; and an agent's own
// per-call cap, below its tenant's, ends a call at the agent's cap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { startTestControl, type TestControl } from '../../../control/test/helpers/test-control.ts';
import { placeTwilioCall } from '../../src/sim/carrier-caller.ts';
import { silenceFrames } from '../../src/sim/caller-sounds.ts';
import { CLOSING, startBudgetEdge, until, type BudgetEdge } from '../helpers/budget-edge.ts';

describe('limits reached mid-call, edge and control', () => {
  let t: TestControl;
  let edge: BudgetEdge;
  const tenants: Record<'spending' | 'agentCapped', { tenantId: string; apiKey: string }> = {} as never;
  // No greeting, and callers who say nothing: a call costs only its line (telephony, and the audio its ASR hears),
  // which the estimate adds a tick at a time, so a limit is seen within a fraction of a paisa of where it lies.
  const { id: _id, tenantId: _tenant, ...settings } = { ...demoAgent('x'), greeting: '' };
  const terms = (tenantId: string, json: unknown) => t.api(`/v1/pricing/tenants/${tenantId}`, { method: 'PUT', json });
  const budgetOf = async (tenantId: string) => (await (await t.internal(`/internal/budgets/${tenantId}`)).json()) as { month: string; spentPaise: number; monthlyBudgetPaise: number | null };

  beforeAll(async () => {
    t = await startTestControl('sqlite', { ingestTimeline: true });
    for (const name of ['spending', 'agentCapped'] as const) tenants[name] = await t.newTenant(name);
    expect((await t.api('/v1/agents', { method: 'POST', json: { id: 'demo', ...settings }, as: tenants.spending.apiKey })).status).toBe(201);
    const capped = { id: 'demo', ...settings, limits: { callCapPaise: 15 } };
    expect((await t.api('/v1/agents', { method: 'POST', json: capped, as: tenants.agentCapped.apiKey })).status).toBe(201);
    expect((await terms(tenants.agentCapped.tenantId, { monthlyBudgetPaise: 1_000_000, callCapPaise: 100_000 })).status).toBe(200);
    edge = await startBudgetEdge(t);
  }, 60_000);

  afterAll(async () => {
    await edge?.edge.close();
    await t?.close();
  });

  it("ends a call when the tenant's month runs out mid-call, with the closing line, and refuses the tenant's next call", async () => {
    const { tenantId } = tenants.spending;
    // Earlier in the month: a one-minute Twilio call control has billed.
    const earlier = await t.internal('/internal/billing/usage', { method: 'POST', json: {
      callId: 'earlier-call', tenantId, agentId: 'demo', startedAtMs: Date.now() - 60_000,
      telephony: { carrier: 'twilio', direction: 'inbound', seconds: 60 }, asr: [], llm: [], tts: [], tools: [],
    } });
    expect(earlier.status).toBe(200);
    const spentBefore = (await budgetOf(tenantId)).spentPaise;
    expect(spentBefore).toBeGreaterThan(0);
    // 15 p left and no per-call cap: the call is admitted, and its line spends the rest some 5-10 s in.
    const budgetPaise = spentBefore + 15;
    expect((await terms(tenantId, { monthlyBudgetPaise: budgetPaise, callCapPaise: null })).status).toBe(200);

    const call = await placeTwilioCall({ url: edge.mediaUrl(tenantId), frames: silenceFrames(40_000), quietHangupMs: 2000, maxDurationMs: 50_000 });
    const record = edge.seen.get(call.callId!)!;
    expect(record.ended).toMatchObject({ reason: 'cost-limit', detail: `the tenant's monthly budget of ${budgetPaise} paise is spent` });
    expect(record.speech).toContain(CLOSING);
    expect(record.budget.map((b) => `${b.scope}:${b.percent}`)).toEqual(['tenant:80', 'tenant:100']);
    const spent = record.budget[1]!;
    console.log(`month spent at ${spent.spentPaise} p of ${budgetPaise} p (${spentBefore} p billed before the call); hang-up ${Math.round(record.ended!.atMs - spent.atMs)} ms later`);
    expect(spent).toMatchObject({ limitPaise: budgetPaise, spentPaise: expect.any(Number) });
    expect(spent.spentPaise).toBeGreaterThanOrEqual(budgetPaise);
    expect(spent.spentPaise).toBeLessThanOrEqual(budgetPaise + 1);
    expect(record.ended!.atMs - spent.atMs).toBeLessThan(8000);
    expect(call.closeCode).toBe(1000);
    expect(call.durationMs).toBeLessThan(30_000);

    const next = await placeTwilioCall({ url: edge.mediaUrl(tenantId), frames: silenceFrames(1000), quietHangupMs: 500, maxDurationMs: 10_000 });
    expect(next.closeCode).toBe(1008);
    expect(next.closeReason).toBe(`Monthly budget spent (${(await budgetOf(tenantId)).month})`);
    expect(next.framesReceived).toBe(0);
    // Control bills the call from its timeline: the month is spent there too, and the call's outcome is recorded.
    await until(async () => (await budgetOf(tenantId)).spentPaise >= budgetPaise, 'the call billed by control');
    const recorded = await (await t.api(`/v1/calls/${call.callId}`, { as: tenants.spending.apiKey })).json();
    expect(recorded.outcome).toBe('cost-limit');
  }, 60_000);

  it("ends a call at its agent's own per-call cap when the tenant's cap is higher", async () => {
    const call = await placeTwilioCall({ url: edge.mediaUrl(tenants.agentCapped.tenantId), frames: silenceFrames(40_000), quietHangupMs: 2000, maxDurationMs: 50_000 });
    const record = edge.seen.get(call.callId!)!;
    expect(record.ended).toMatchObject({ reason: 'cost-limit', detail: expect.stringContaining('agent "demo"\'s per-call cap of 15 paise') });
    expect(record.speech).toContain(CLOSING);
    expect(record.budget.map((b) => `${b.scope}:${b.percent}:${b.limitPaise}`)).toEqual(['call:80:15', 'call:100:15']);
    const cap = record.budget[1]!;
    console.log(`agent's cap reached at ${cap.spentPaise} p (agent 15 p, tenant 100,000 p); hang-up ${Math.round(record.ended!.atMs - cap.atMs)} ms later`);
    expect(cap.spentPaise).toBeLessThanOrEqual(16);
    expect(record.ended!.atMs - cap.atMs).toBeLessThan(8000);
    expect(call.closeCode).toBe(1000);
    expect(call.durationMs).toBeLessThan(30_000);
  }, 60_000);
});
