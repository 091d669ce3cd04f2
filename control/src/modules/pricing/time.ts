// Calendar arithmetic in India Standard Time (UTC+5:30, no daylight saving): a call's day, month and financial
// year are the ones on the tenant's invoice, not UTC's (a call at 20:00 UTC on 30 April is 1 May in India).
export const IST_OFFSET_MS = 330 * 60_000;
const DAY_MS = 86_400_000;

/** "2026-05-01" for a time in IST. */
export function istDate(ms: number): string {
  return new Date(ms + IST_OFFSET_MS).toISOString().slice(0, 10);
}

/** "2026-05" for a time in IST. */
export function istMonth(ms: number): string {
  return istDate(ms).slice(0, 7);
}

/** Midnight IST starting `date` ("2026-05-01") as epoch ms. */
export function istMidnight(date: string): number {
  const ms = Date.parse(`${date}T00:00:00.000Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(ms)) throw new RangeError(`not a date (YYYY-MM-DD): "${date}"`);
  return ms - IST_OFFSET_MS;
}

/** The IST month "2026-05" as [start, end) epoch ms. */
export function monthRange(month: string): [number, number] {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 12) throw new RangeError(`not a month (YYYY-MM): "${month}"`);
  const year = Number(match[1]);
  const m = Number(match[2]);
  const next = m === 12 ? `${year + 1}-01` : `${year}-${String(m + 1).padStart(2, '0')}`;
  return [istMidnight(`${month}-01`), istMidnight(`${next}-01`)];
}

/** The Indian financial year (April–March) a month falls in: "2026-05" → "2026-27", "2027-02" → "2026-27". */
export function financialYear(month: string): string {
  const [year, m] = month.split('-').map(Number);
  const start = m >= 4 ? year : year - 1;
  return `${start}-${String((start + 1) % 100).padStart(2, '0')}`;
}

/**
 * An effective date from the API: "2026-05-01" is midnight IST that day; a full ISO time is taken as written.
 */
export function parseEffective(value: string, what: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return istMidnight(value);
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) throw new RangeError(`${what} must be a date (YYYY-MM-DD, midnight IST) or an ISO time (got "${value}")`);
  return ms;
}

export const days = (n: number) => n * DAY_MS;
