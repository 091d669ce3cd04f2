// The edge's spending limits, put together: calls of a tenant over budget are refused at the call host, and every
// call that starts is watched against its cap and its tenant's month (call-budget.ts).
import type { CallHost, Admission } from '../server/call-host.ts';
import { BudgetTicker, watchCallBudget, type CallBudgetOptions } from './call-budget.ts';
import { TenantBudgets, type TenantBudgetsOptions } from './tenant-budgets.ts';

/** What the agent says by default when a limit ends the call. */
export const DEFAULT_CLOSING_LINE = 'I am sorry, this call has reached its time limit. Goodbye.';

export class BudgetLimits {
  readonly budgets: TenantBudgets;
  readonly #call: CallBudgetOptions;
  readonly #ticker: BudgetTicker;

  constructor(options: TenantBudgetsOptions & Partial<CallBudgetOptions>) {
    this.budgets = new TenantBudgets(options);
    this.#call = { closingLine: options.closingLine ?? DEFAULT_CLOSING_LINE, tickMs: options.tickMs, closingDeadlineMs: options.closingDeadlineMs };
    this.#ticker = new BudgetTicker(options.tickMs);
  }

  admit(tenantId: string): Promise<Admission> {
    return this.budgets.admit(tenantId);
  }

  /** Watches every call `host` starts. */
  watch(host: CallHost): void {
    host.on('callStarted', ({ call, tenantId, agent }) => watchCallBudget(call, { tenantId, agent }, this.budgets, this.#ticker, this.#call));
  }

  close(): void {
    this.#ticker.close();
    this.budgets.close();
  }
}
