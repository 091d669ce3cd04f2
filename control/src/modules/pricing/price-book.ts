// The price book in force for a moment: resolves (tenant, component, provider, model) to one entry and the day's
// exchange rate. Entries of one key never overlap in time (checked when written), so at most one applies.
import { ANY, type Component, type FxRate, type PriceEntry } from './types.ts';
import { istDate } from './time.ts';

export interface ResolvedPrice {
  entry: PriceEntry;
  /** True when no entry names this provider and model, and the configured default for unknown models applied. */
  unknownModel: boolean;
}

const inForce = (e: { effectiveFromMs: number; effectiveToMs: number | null }, atMs: number) =>
  e.effectiveFromMs <= atMs && (e.effectiveToMs === null || atMs < e.effectiveToMs);

export class PriceBook {
  readonly #byKey = new Map<string, PriceEntry[]>();

  constructor(entries: readonly PriceEntry[], readonly rates: readonly FxRate[]) {
    for (const entry of entries) {
      const key = keyOf(entry.tenantId, entry.component, entry.provider, entry.model);
      const list = this.#byKey.get(key) ?? [];
      list.push(entry);
      this.#byKey.set(key, list);
    }
  }

  #find(tenantId: string | null, component: Component, provider: string, model: string, atMs: number): PriceEntry | null {
    return this.#byKey.get(keyOf(tenantId, component, provider, model))?.find((e) => inForce(e, atMs)) ?? null;
  }

  /**
   * The price for one line. Most specific first, a tenant's override before the operator's book at each step:
   * the exact provider and model, then the provider's "any model" entry (deliberate: offline engines, a carrier's
   * flat rate), then the component's default for unknown providers and models, which is flagged on the line.
   */
  resolve(tenantId: string, component: Component, provider: string, model: string, atMs: number): ResolvedPrice | null {
    const steps: [string, string, boolean][] = [[provider, model, false], [provider, ANY, false], [ANY, ANY, true]];
    for (const [p, m, unknown] of steps) {
      const entry = this.#find(tenantId, component, p, m, atMs) ?? this.#find(null, component, p, m, atMs);
      if (entry) return { entry, unknownModel: unknown && !(p === provider && m === model) };
    }
    return null;
  }

  /** The USD→INR rate in force at `atMs` (the call's start). */
  fxAt(atMs: number): FxRate | null {
    return this.rates.find((r) => inForce(r, atMs)) ?? null;
  }
}

const keyOf = (tenantId: string | null, component: string, provider: string, model: string) => `${tenantId ?? ''}\u0000${component}\u0000${provider}\u0000${model}`;

export class OverlapError extends Error {
  constructor(message: string, readonly conflictingId: string) { super(message); }
}

/**
 * How a new effective-dated item joins the others of its key. A new item starting after an open-ended one
 * open-ended one supersedes it: the old one is closed where the new one starts (a price change). Any other overlap is refused,
 * naming the item it overlaps, so two prices never apply at once and history is never rewritten silently.
 */
export function planInsert<T extends { id: string; effectiveFromMs: number; effectiveToMs: number | null }>(
  existing: readonly T[], candidate: { effectiveFromMs: number; effectiveToMs: number | null }, what: string,
): { close: T | null } {
  const newEnd = candidate.effectiveToMs ?? Number.POSITIVE_INFINITY;
  if (newEnd <= candidate.effectiveFromMs) throw new RangeError(`${what}: effectiveTo must be after effectiveFrom`);
  let close: T | null = null;
  for (const item of existing) {
    const end = item.effectiveToMs ?? Number.POSITIVE_INFINITY;
    const overlaps = item.effectiveFromMs < newEnd && candidate.effectiveFromMs < end;
    if (!overlaps) continue;
    if (item.effectiveToMs === null && candidate.effectiveToMs === null && item.effectiveFromMs < candidate.effectiveFromMs && close === null) {
      close = item;
      continue;
    }
    const range = `${istDate(item.effectiveFromMs)} to ${item.effectiveToMs === null ? 'open' : istDate(item.effectiveToMs)}`;
    throw new OverlapError(`${what} overlaps ${item.id} (in force ${range}); end that one first or choose dates that do not overlap`, item.id);
  }
  // A superseded open entry must not also overlap anything after the new one (checked above), and the new
  // item cannot start before it (that case is an overlap).
  return { close };
}
