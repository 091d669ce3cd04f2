// How numbers read on screen: money in rupees from integer paise, durations, times.
const inr = new Intl.NumberFormat('en-IN', { style: 'currency', currency: 'INR', minimumFractionDigits: 2 });

export const rupees = (paise: number | null | undefined): string => (paise == null ? '—' : inr.format(paise / 100));
export const seconds = (s: number | null | undefined): string => (s == null ? '—' : s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`);
export const ms = (value: number | null | undefined): string => (value == null ? '—' : `${Math.round(value)} ms`);
export const when = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : '—');
export const dateOnly = (d: Date): string => d.toISOString().slice(0, 10);
/** The calendar day in India (billing days run midnight to midnight IST), as YYYY-MM-DD, `offsetDays` from today. */
export const istDay = (offsetDays = 0): string => new Date(Date.now() + offsetDays * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Asia/Kolkata' });
