// One call's limits, watched while it runs: every `tickMs` its usage so far is priced (estimate.ts) and spent
// against the tenant's budget; 80 % and 100 % of the per-call cap (the tenant's, or the agent's own when smaller)
// or of the tenant's month are reported on the call (timeline, metrics observe them); at the cap, or when the
// tenant's budget runs out, the agent says the closing line and hangs up with `cost-limit`. It observes the call
// and asks it to close; it never reaches inside. The node's calls share one BudgetTicker: one interval for all of
// them, not a timer per call.
import type { AgentConfig } from '@invorto/proto/agent-config.ts';
import type { Call } from '../runtime/call.ts';
import { enginesOf, estimatePaise, type CallEngines } from './estimate.ts';
import type { TenantBudgets } from './tenant-budgets.ts';

export interface CallBudgetOptions {
  /** What the agent says before a cost-limit hang-up ('' : hang up at once). */
  closingLine: string;
  /** How often the estimate is taken, ms (default 500): the cap is overrun by at most this much of the call. */
  tickMs?: number;
  /** The closing line's limit: the call hangs up this long after the cap at the latest, ms (default 8000). */
  closingDeadlineMs?: number;
}

/** Takes every watched call's estimate each `intervalMs`; runs only while there are calls. */
export class BudgetTicker {
  readonly #ticks = new Set<() => void>();
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | null = null;

  constructor(intervalMs = 500) {
    this.#intervalMs = intervalMs;
  }

  add(tick: () => void): void {
    this.#ticks.add(tick);
    if (this.#timer) return;
    this.#timer = setInterval(() => { for (const each of this.#ticks) each(); }, this.#intervalMs);
    this.#timer.unref();
  }

  delete(tick: () => void): void {
    this.#ticks.delete(tick);
    if (this.#ticks.size === 0) this.close();
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}

/** The cap a call is held to: the smaller of its tenant's per-call cap and its agent's own (null: neither is set). */
export function callCapOf(tenantCapPaise: number | null, agent: AgentConfig): { paise: number; whose: string } | null {
  const agentCapPaise = agent.limits?.callCapPaise;
  if (agentCapPaise !== undefined && (tenantCapPaise === null || agentCapPaise < tenantCapPaise)) return { paise: agentCapPaise, whose: `agent "${agent.id}"'s` };
  return tenantCapPaise === null ? null : { paise: tenantCapPaise, whose: "the tenant's" };
}

export function watchCallBudget(call: Call, ids: { tenantId: string; agent: AgentConfig }, budgets: TenantBudgets, ticker: BudgetTicker, options: CallBudgetOptions): void {
  // The carrier is billed by the transport the call came in on, which the call names when it starts.
  let engines: CallEngines | null = null;
  call.on('started', ({ transport }) => { engines = enginesOf(ids.agent, transport); });
  const reported = new Set<string>();
  let closing = false;
  let estimate = 0;
  const report = (scope: 'call' | 'tenant', percent: 80 | 100, spentPaise: number, limitPaise: number) => {
    if (reported.has(`${scope}:${percent}`)) return;
    reported.add(`${scope}:${percent}`);
    call.reportBudget({ scope, percent, spentPaise: Math.ceil(spentPaise), limitPaise });
  };
  const close = (detail: string) => {
    if (closing) return;
    closing = true;
    call.closeWith(options.closingLine, 'cost-limit', detail, options.closingDeadlineMs ?? 8000);
  };
  const tick = () => {
    const budget = budgets.budget(ids.tenantId);
    if (!budget || !engines) return;
    estimate = estimatePaise(call.usageSoFar, engines, budget.estimateRates);
    budgets.spend(ids.tenantId, call.id, estimate);
    const cap = callCapOf(budget.callCapPaise, ids.agent);
    if (cap) {
      if (estimate * 100 >= cap.paise * 80) report('call', 80, estimate, cap.paise);
      if (estimate >= cap.paise) {
        report('call', 100, estimate, cap.paise);
        close(`call cost estimate ${Math.ceil(estimate)} paise reached ${cap.whose} per-call cap of ${cap.paise} paise`);
      }
    }
    for (const percent of budgets.crossed(ids.tenantId)) report('tenant', percent, budgets.spentPaise(ids.tenantId), budget.monthlyBudgetPaise ?? 0);
    const left = budgets.remainingPaise(ids.tenantId);
    if (left !== null && left <= 0) close(budget.monthlyBudgetPaise !== null && budgets.spentPaise(ids.tenantId) >= budget.monthlyBudgetPaise
      ? `the tenant's monthly budget of ${budget.monthlyBudgetPaise} paise is spent`
      : 'control unreachable and the offline allowance is spent');
  };
  ticker.add(tick);
  call.on('usage', (usage) => {
    const budget = budgets.budget(ids.tenantId);
    if (budget && engines) estimate = estimatePaise(usage, engines, budget.estimateRates);
  });
  call.on('ended', () => {
    ticker.delete(tick);
    budgets.spend(ids.tenantId, call.id, estimate, true);
  });
}
