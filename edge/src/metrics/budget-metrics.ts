// Spending limits: budget thresholds the running cost estimate crossed, and calls ended at a limit. Refusals over
// budget are counted with the other refusals (invorto_calls_refused_total{reason="budget"}).
import { Counter, type Registry } from 'prom-client';
import type { Call } from '../runtime/call.ts';

export class BudgetMetrics {
  readonly thresholds: Counter;

  constructor(registers: Registry[]) {
    this.thresholds = new Counter({
      name: 'invorto_budget_thresholds_total', labelNames: ['scope', 'percent'], registers,
      help: 'Budget thresholds crossed by the running cost estimate: scope call (the per-call cap) or tenant (the monthly budget, once per edge and month), percent 80 or 100',
    });
    for (const scope of ['call', 'tenant']) for (const percent of ['80', '100']) this.thresholds.inc({ scope, percent }, 0);
  }

  observe(call: Call): void {
    call.on('budget', ({ scope, percent }) => this.thresholds.inc({ scope, percent: String(percent) }));
  }
}
