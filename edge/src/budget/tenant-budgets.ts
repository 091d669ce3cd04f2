// Each tenant's budget as the edge knows it: control's figures (GET /internal/budgets/{tenantId}), fetched on a
// tenant's first call and refreshed every `refreshMs`, plus what this edge's calls have spent since, estimated
// live. Control unreachable never blocks a call the cached figures allow: the edge keeps spending against them,
// but only up to `maxOfflineSpendPaise` per tenant since its last good answer, which bounds what a partition can
// overspend (docs/costing.md, "Enforcement").
import type { Logger } from '../util/log.ts';
import type { EstimateRate } from './estimate.ts';

/** Control's answer for a tenant. */
export interface ControlBudget {
  month: string;
  monthlyBudgetPaise: number | null;
  spentPaise: number;
  callCapPaise: number | null;
  estimateRates: EstimateRate[];
}

export interface TenantBudgetsOptions {
  controlUrl: string;
  internalToken: string;
  /** How often a tenant with calls is asked again, ms (default 10,000). */
  refreshMs?: number;
  /** Per request, ms (default 2000): a call start waits at most this long for a tenant's first answer. */
  timeoutMs?: number;
  /** What this edge lets one tenant spend while control does not answer, in paise (default 50,000: ₹500). */
  maxOfflineSpendPaise?: number;
  /** An ended call's estimate is counted until control has had this long to bill it, ms (default 60,000). */
  billingLagMs?: number;
  fetch?: typeof fetch;
  log?: Logger;
  now?: () => number;
}

interface TenantState {
  budget: ControlBudget | null;
  /** Wall-clock ms of control's last good answer (0: none yet). */
  fetchedAtMs: number;
  /** The last ask failed: control is unreachable for this tenant. */
  offline: boolean;
  /** Estimates of this edge's calls in progress, by call id. */
  live: Map<string, number>;
  /** Ended calls' estimates, until control has had time to bill them. */
  ended: { paise: number; endedAtMs: number }[];
  /** Spend on this edge since control's last good answer (the offline allowance is measured against it). */
  sinceFetchPaise: number;
  refreshing: Promise<void> | null;
  /** Thresholds announced this month ("2026-12:80"): each is a timeline event once per edge. */
  announced: Set<string>;
}

export type Admission = { ok: true } | { ok: false; reason: string };

export class TenantBudgets {
  readonly #options: Required<Omit<TenantBudgetsOptions, 'log'>> & { log?: Logger };
  readonly #tenants = new Map<string, TenantState>();
  #timer: NodeJS.Timeout | null = null;

  constructor(options: TenantBudgetsOptions) {
    this.#options = {
      refreshMs: 10_000, timeoutMs: 2000, maxOfflineSpendPaise: 50_000, billingLagMs: 60_000, now: Date.now,
      ...options, fetch: options.fetch ?? ((...args) => fetch(...args)),
    };
    this.#timer = setInterval(() => { for (const [tenantId, state] of this.#tenants) if (state.live.size || state.ended.length) void this.#refresh(tenantId); }, this.#options.refreshMs);
    this.#timer.unref();
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /**
   * Whether a new call of this tenant may start. Only a tenant's first call, or one the cached figures would refuse,
   * waits for control (one request's timeout at most); otherwise stale figures are refreshed in the background.
   * No answer ever: admitted.
   */
  async admit(tenantId: string): Promise<Admission> {
    const state = this.#state(tenantId);
    if (!state.budget && !state.offline) await this.#refresh(tenantId);
    else if (!state.budget || this.#options.now() - state.fetchedAtMs > this.#options.refreshMs) {
      const refreshing = this.#refresh(tenantId);
      if (this.#refusal(state)) await refreshing;
    }
    const reason = this.#refusal(state);
    return reason ? { ok: false, reason } : { ok: true };
  }

  #refusal(state: TenantState): string | null {
    const left = state.budget ? this.#remaining(state) : null;
    if (left === null || left > 0) return null;
    const budget = state.budget!;
    return state.offline && (budget.monthlyBudgetPaise === null || this.#spent(state) < budget.monthlyBudgetPaise)
      ? 'Budget unconfirmed: control unreachable and the offline allowance is spent'
      : `Monthly budget spent (${budget.month})`;
  }

  /** Control's figures for the tenant (null before its first answer). */
  budget(tenantId: string): ControlBudget | null {
    return this.#tenants.get(tenantId)?.budget ?? null;
  }

  /** The month's spend as this edge knows it: control's, plus this edge's calls it has not billed yet. */
  spentPaise(tenantId: string): number {
    const state = this.#tenants.get(tenantId);
    return state ? this.#spent(state) : 0;
  }

  /** What the tenant may still spend through this edge (null: no limit). Offline, the allowance caps it. */
  remainingPaise(tenantId: string): number | null {
    const state = this.#tenants.get(tenantId);
    return state?.budget ? this.#remaining(state) : null;
  }

  #remaining(state: TenantState): number | null {
    if (!state.budget) return null;
    const budgetLeft = state.budget.monthlyBudgetPaise === null ? null : state.budget.monthlyBudgetPaise - this.#spent(state);
    if (!state.offline) return budgetLeft;
    const allowance = this.#options.maxOfflineSpendPaise - state.sinceFetchPaise;
    return budgetLeft === null ? allowance : Math.min(budgetLeft, allowance);
  }

  /** A call's running estimate (paise, fractional); `ended`: its last. */
  spend(tenantId: string, callId: string, estimatePaise: number, ended = false): void {
    const state = this.#state(tenantId);
    const before = state.live.get(callId) ?? 0;
    state.sinceFetchPaise += Math.max(0, estimatePaise - before);
    if (ended) {
      state.live.delete(callId);
      state.ended.push({ paise: estimatePaise, endedAtMs: this.#options.now() });
    } else state.live.set(callId, estimatePaise);
  }

  /** Thresholds of the tenant's monthly budget first crossed now (80, then 100): announced once per month per edge. */
  crossed(tenantId: string): (80 | 100)[] {
    const state = this.#tenants.get(tenantId);
    const limit = state?.budget?.monthlyBudgetPaise;
    if (!state || !limit) return [];
    const spent = this.#spent(state);
    const out: (80 | 100)[] = [];
    for (const percent of [80, 100] as const) {
      const key = `${state.budget!.month}:${percent}`;
      if (spent * 100 >= limit * percent && !state.announced.has(key)) {
        state.announced.add(key);
        out.push(percent);
      }
    }
    return out;
  }

  #spent(state: TenantState): number {
    let local = 0;
    for (const paise of state.live.values()) local += paise;
    for (const e of state.ended) local += e.paise;
    return (state.budget?.spentPaise ?? 0) + local;
  }

  #state(tenantId: string): TenantState {
    let state = this.#tenants.get(tenantId);
    if (!state) {
      state = { budget: null, fetchedAtMs: 0, offline: false, live: new Map(), ended: [], sinceFetchPaise: 0, refreshing: null, announced: new Set() };
      this.#tenants.set(tenantId, state);
    }
    return state;
  }

  /** One ask at a time per tenant; a failure keeps the cached figures and marks the tenant offline. */
  #refresh(tenantId: string): Promise<void> {
    const state = this.#state(tenantId);
    state.refreshing ??= (async () => {
      const askedAtMs = this.#options.now();
      try {
        const { controlUrl, internalToken, timeoutMs } = this.#options;
        const response = await this.#options.fetch(`${controlUrl}/internal/budgets/${encodeURIComponent(tenantId)}`, { headers: { 'x-invorto-internal': internalToken }, signal: AbortSignal.timeout(timeoutMs) });
        if (!response.ok) throw new Error(`control answered ${response.status} to /internal/budgets (check INVORTO_INTERNAL_TOKEN)`);
        const budget = await response.json() as ControlBudget;
        if (state.budget && state.budget.month !== budget.month) state.announced.clear();
        state.budget = { ...budget, estimateRates: budget.estimateRates ?? [] };
        state.fetchedAtMs = askedAtMs;
        // Control has billed what ended long enough before this answer; the rest still counts by its estimate.
        state.ended = state.ended.filter((e) => askedAtMs - e.endedAtMs < this.#options.billingLagMs);
        state.sinceFetchPaise = 0;
        if (state.offline) this.#options.log?.info({ tenantId }, 'control answers budgets again');
        state.offline = false;
      } catch (error) {
        if (!state.offline) this.#options.log?.warn({ tenantId, err: (error as Error).message, maxOfflineSpendPaise: this.#options.maxOfflineSpendPaise }, 'control unreachable for budgets: spending against the cached budget, up to the offline allowance');
        state.offline = true;
      } finally {
        state.refreshing = null;
      }
    })();
    return state.refreshing;
  }
}
