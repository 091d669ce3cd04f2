import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';

/**
 * Each listed call's total in paise, from the billing records started within the page's time span (one request a
 * page). A call not priced yet (in progress, or no price for it) is absent.
 */
export function useCallCosts(calls: { id: string; startedAt: string }[] | undefined): Map<string, number> | undefined {
  const times = (calls ?? []).map((c) => Date.parse(c.startedAt));
  const from = times.length ? new Date(Math.min(...times)).toISOString() : '';
  const to = times.length ? new Date(Math.max(...times) + 1).toISOString() : '';
  const records = useQuery({
    queryKey: ['call-costs', from, to], enabled: times.length > 0,
    queryFn: async () => unwrap(await api.GET('/v1/billing/records', { params: { query: { from, to, limit: '1000' } } }), 'reading call costs'),
  });
  return records.data && new Map(records.data.records.filter((r) => r.status === 'priced').map((r) => [r.callId, r.totals.totalPaise]));
}
