// The edge's budget cache and running estimate, against a fake control: admission, spending between refreshes,
// the offline allowance that bounds a partition, thresholds announced once, and prices resolved as billing does.
import { afterEach, describe, expect, it } from 'vitest';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { callCapOf } from '../src/budget/call-budget.ts';
import { enginesOf, estimatePaise, rateOf, type EstimateRate } from '../src/budget/estimate.ts';
import { TenantBudgets, type ControlBudget } from '../src/budget/tenant-budgets.ts';

const RATES: EstimateRate[] = [
  { component: 'telephony', provider: 'twilio', model: 'inbound', microPaisePerUnit: 1_000 }, // 1 paisa a second
  { component: 'asr', provider: 'deepgram', model: 'nova-3', microPaisePerUnit: 500 },
  { component: 'asr', provider: '*', model: '*', microPaisePerUnit: 900 },
  { component: 'tts', provider: 'deepgram', model: '*', microPaisePerUnit: 300_000 },
  { component: 'llm_input', provider: 'openai', model: 'gpt-4o-mini', microPaisePerUnit: 1_500 },
  { component: 'llm_output', provider: 'openai', model: 'gpt-4o-mini', microPaisePerUnit: 6_000 },
];

/** A control that answers `budget` (or fails while `down`), counting its requests. */
function fakeControl(budget: Partial<ControlBudget>) {
  const state = { down: false, requests: 0, budget: { month: '2026-12', monthlyBudgetPaise: 1000, spentPaise: 0, callCapPaise: null, estimateRates: RATES, ...budget } as ControlBudget };
  const fetch = (async (url: string) => {
    state.requests++;
    if (state.down) throw new TypeError('fetch failed');
    expect(url).toBe('http://control/internal/budgets/t1');
    return new Response(JSON.stringify(state.budget), { status: 200 });
  }) as unknown as typeof globalThis.fetch;
  return { state, fetch };
}

let budgets: TenantBudgets | null = null;
afterEach(() => budgets?.close());

describe('tenant budgets on the edge', () => {
  it('admits under budget, refuses at it with the month named, and counts calls in progress against it', async () => {
    let now = 0;
    const control = fakeControl({ spentPaise: 900 });
    budgets = new TenantBudgets({ controlUrl: 'http://control', internalToken: 'x', fetch: control.fetch, now: () => now, refreshMs: 1000 });
    expect(await budgets.admit('t1')).toEqual({ ok: true });
    budgets.spend('t1', 'c1', 60);
    budgets.spend('t1', 'c1', 100); // the same call's estimate grows: counted once
    expect(budgets.spentPaise('t1')).toBe(1000);
    expect(await budgets.admit('t1')).toEqual({ ok: false, reason: 'Monthly budget spent (2026-12)' });
    expect(control.state.requests).toBe(1); // a fresh answer is not asked again
    // Control has billed the call once it has had the billing lag to do so.
    budgets.spend('t1', 'c1', 100, true);
    control.state.budget.spentPaise = 1000;
    now = 61_000 + 1001;
    expect(await budgets.admit('t1')).toEqual({ ok: false, reason: 'Monthly budget spent (2026-12)' }); // refused: asked again first
    expect(control.state.requests).toBe(2);
    expect(budgets.spentPaise('t1')).toBe(1000);
  });

  it('keeps admitting when control never answered, and spends against the cached budget up to the offline allowance', async () => {
    let now = 0;
    const control = fakeControl({ monthlyBudgetPaise: 100_000 });
    control.state.down = true;
    budgets = new TenantBudgets({ controlUrl: 'http://control', internalToken: 'x', fetch: control.fetch, now: () => now, refreshMs: 1000, maxOfflineSpendPaise: 500 });
    expect(await budgets.admit('t1')).toEqual({ ok: true }); // nothing known: never blocked
    control.state.down = false;
    // Offline with nothing known, a call does not wait for control: the answer is fetched behind it.
    await budgets.admit('t1');
    await new Promise((r) => setTimeout(r, 20));
    expect(budgets.remainingPaise('t1')).toBe(100_000);
    control.state.down = true;
    now = 2000;
    budgets.spend('t1', 'c1', 300);
    expect(await budgets.admit('t1')).toEqual({ ok: true });
    await new Promise((r) => setTimeout(r, 20)); // the background refresh failed: offline now
    // Offline, this edge may spend 500 p past its last good answer however much budget is left.
    expect(budgets.remainingPaise('t1')).toBe(200);
    budgets.spend('t1', 'c2', 200);
    expect(budgets.remainingPaise('t1')).toBe(0);
    expect(await budgets.admit('t1')).toEqual({ ok: false, reason: 'Budget unconfirmed: control unreachable and the offline allowance is spent' });
    control.state.down = false;
    now = 4000;
    expect(await budgets.admit('t1')).toEqual({ ok: true }); // a refusal waits for control, which answers again
    expect(budgets.remainingPaise('t1')).toBe(100_000 - 500);
  });

  it('announces 80 % and 100 % of the month once each', async () => {
    const control = fakeControl({ spentPaise: 700 });
    budgets = new TenantBudgets({ controlUrl: 'http://control', internalToken: 'x', fetch: control.fetch });
    await budgets.admit('t1');
    expect(budgets.crossed('t1')).toEqual([]);
    budgets.spend('t1', 'c1', 150);
    expect(budgets.crossed('t1')).toEqual([80]);
    expect(budgets.crossed('t1')).toEqual([]);
    budgets.spend('t1', 'c1', 400);
    expect(budgets.crossed('t1')).toEqual([100]);
  });
});

describe('per-call cap', () => {
  it("is the smaller of the tenant's and the agent's own, either of which may be unset", () => {
    const agent = (callCapPaise?: number) => ({ ...demoAgent('t1'), ...(callCapPaise === undefined ? {} : { limits: { callCapPaise } }) });
    expect(callCapOf(null, agent())).toBeNull();
    expect(callCapOf(40, agent())).toEqual({ paise: 40, whose: "the tenant's" });
    expect(callCapOf(null, agent(25))).toEqual({ paise: 25, whose: 'agent "demo"\'s' });
    expect(callCapOf(40, agent(25))).toEqual({ paise: 25, whose: 'agent "demo"\'s' });
    expect(callCapOf(40, agent(60))).toEqual({ paise: 40, whose: "the tenant's" });
    expect(callCapOf(40, agent(0))).toEqual({ paise: 0, whose: 'agent "demo"\'s' });
    expect(callCapOf(40, { ...demoAgent('t1'), limits: {} })).toEqual({ paise: 40, whose: "the tenant's" });
  });
});

describe('running cost estimate', () => {
  it('resolves the exact engine, then its "any model", then the default, as billing does', () => {
    expect(rateOf(RATES, 'asr', 'deepgram', 'nova-3')).toBe(500);
    expect(rateOf(RATES, 'asr', 'deepgram', 'nova-2')).toBe(900);
    expect(rateOf(RATES, 'tts', 'deepgram', 'aura-2')).toBe(300_000);
    expect(rateOf(RATES, 'tool', 'webhook', 'x')).toBe(0);
  });

  it('prices live usage: a 60 s Twilio call of the demo agent with 40 s of audio, 2,000 tokens in, 300 out, 500 characters', () => {
    const engines = enginesOf({ ...demoAgent('t'), llm: { provider: 'openai', model: 'gpt-4o-mini' } }, 'twilio');
    expect(engines).toEqual({ carrier: 'twilio', asr: ['deepgram', 'nova-3'], llm: ['openai', 'gpt-4o-mini'], tts: ['deepgram', 'aura-2'] });
    // 60,000 ms × 1,000 + 40,000 ms × 500 + 2,000 × 1,500 + 300 × 6,000 + 500 × 300,000 micro-paise
    // = 60 + 20 + 3 + 1.8 + 150 = 234.8 paise.
    const usage = { asrAudioS: 40, telephonyS: 60, llmInputTokens: 2000, llmOutputTokens: 300, ttsCharacters: 500, llmModel: 'gpt-4o-mini' };
    expect(estimatePaise(usage, engines, RATES)).toBeCloseTo(234.8, 9);
  });
});
