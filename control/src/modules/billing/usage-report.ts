// Tenant usage totals over a period, grouped by agent, IST day or month, or component; and what is left of a budget.
import type { Db } from '../../db/database.ts';
import type { PricingService } from '../pricing/service.ts';
import { istDate, istMonth, monthRange } from '../pricing/time.ts';
import type { BillingLine } from './compute.ts';

export type GroupBy = 'agent' | 'day' | 'month' | 'component';

export interface UsageGroup {
  key: string;
  calls: number;
  /** Measured quantities by unit (ms, chars, tokens, calls); only for group_by=component. */
  quantity: number | null;
  quantityUnit: string | null;
  costPaise: number; markupPaise: number; gstPaise: number; totalPaise: number;
}

export interface UsageReport {
  from: string; to: string; groupBy: GroupBy; groups: UsageGroup[];
  totals: { calls: number; unpricedCalls: number; costPaise: number; markupPaise: number; gstPaise: number; totalPaise: number };
}

const empty = (key: string): UsageGroup => ({ key, calls: 0, quantity: null, quantityUnit: null, costPaise: 0, markupPaise: 0, gstPaise: 0, totalPaise: 0 });

export async function usageReport(db: Db, tenantId: string, fromMs: number, toMs: number, groupBy: GroupBy): Promise<UsageReport> {
  const rows = await db.selectFrom('billing_records')
    .select(['agent_id', 'started_at', 'status', 'lines_json', 'cost_paise', 'markup_paise', 'gst_paise', 'total_paise'])
    .where('tenant_id', '=', tenantId).where('current', '=', 1).where('started_at', '>=', fromMs).where('started_at', '<', toMs)
    .orderBy('started_at').execute();
  const groups = new Map<string, UsageGroup>();
  const totals = { calls: 0, unpricedCalls: 0, costPaise: 0, markupPaise: 0, gstPaise: 0, totalPaise: 0 };
  type Money = { costPaise: number; markupPaise: number; gstPaise: number; totalPaise: number };
  const add = (g: Money, v: Money) => {
    g.costPaise += Number(v.costPaise); g.markupPaise += Number(v.markupPaise); g.gstPaise += Number(v.gstPaise); g.totalPaise += Number(v.totalPaise);
  };
  for (const row of rows) {
    totals.calls += 1;
    if (row.status !== 'priced') totals.unpricedCalls += 1;
    add(totals, { costPaise: Number(row.cost_paise), markupPaise: Number(row.markup_paise), gstPaise: Number(row.gst_paise), totalPaise: Number(row.total_paise) });
    if (groupBy === 'component') {
      for (const line of JSON.parse(row.lines_json) as BillingLine[]) {
        const key = `${line.component} ${line.provider}/${line.model}`;
        const g = groups.get(key) ?? { ...empty(key), quantity: 0, quantityUnit: line.quantityUnit };
        g.calls += 1;
        g.quantity = (g.quantity ?? 0) + line.quantity;
        add(g, line);
        groups.set(key, g);
      }
      continue;
    }
    const key = groupBy === 'agent' ? row.agent_id : groupBy === 'month' ? istMonth(Number(row.started_at)) : istDate(Number(row.started_at));
    const g = groups.get(key) ?? empty(key);
    g.calls += 1;
    add(g, { costPaise: Number(row.cost_paise), markupPaise: Number(row.markup_paise), gstPaise: Number(row.gst_paise), totalPaise: Number(row.total_paise) });
    groups.set(key, g);
  }
  return {
    from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), groupBy,
    groups: [...groups.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)), totals,
  };
}

export interface Budget {
  tenantId: string; month: string; monthlyBudgetPaise: number | null; spentPaise: number; remainingPaise: number | null;
  callCapPaise: number | null; unpricedCalls: number;
}

/**
 * What the edge needs to enforce limits (the seam for the edge-side work): the tenant's spend this IST month
 * (totals with GST of its current records), its budget, what remains and the per-call cap.
 */
export async function budgetOf(db: Db, pricing: PricingService, tenantId: string, nowMs: number): Promise<Budget> {
  const month = istMonth(nowMs);
  const [fromMs, toMs] = monthRange(month);
  const terms = await pricing.termsOf(tenantId);
  const spent = await db.selectFrom('billing_records')
    .select((eb) => [eb.fn.coalesce(eb.fn.sum<number>('total_paise'), eb.lit(0)).as('spent'), eb.fn.countAll<number>().as('calls')])
    .where('tenant_id', '=', tenantId).where('current', '=', 1).where('started_at', '>=', fromMs).where('started_at', '<', toMs).executeTakeFirst();
  const unpriced = await db.selectFrom('billing_records').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tenant_id', '=', tenantId).where('current', '=', 1).where('status', '=', 'unpriced')
    .where('started_at', '>=', fromMs).where('started_at', '<', toMs).executeTakeFirst();
  const spentPaise = Number(spent?.spent ?? 0);
  return {
    tenantId, month, monthlyBudgetPaise: terms.monthlyBudgetPaise, spentPaise,
    remainingPaise: terms.monthlyBudgetPaise === null ? null : Math.max(0, terms.monthlyBudgetPaise - spentPaise),
    callCapPaise: terms.callCapPaise, unpricedCalls: Number(unpriced?.n ?? 0),
  };
}
