// Today at a glance: calls in progress, calls and cost today, calls per hour and cost per day. Refreshed every 10 s.
import { useQuery } from '@tanstack/react-query';
import { Box, Card, CardContent, Paper, Typography } from '@mui/material';
import { BarChart } from '@mui/x-charts/BarChart';
import { api, unwrap } from '../api/client';
import { Failed, Loading, PageTitle } from '../components/States';
import { istDay, rupees } from '../format';

const LIVE = { refetchInterval: 10_000 };

export default function Overview() {
  const today = istDay();
  const calls = useQuery({
    queryKey: ['overview-calls', today], ...LIVE,
    queryFn: async () => unwrap(await api.GET('/v1/calls', { params: { query: { from: new Date(`${today}T00:00:00+05:30`).toISOString(), limit: 200 } } }), 'listing today\'s calls'),
  });
  const usage = useQuery({
    queryKey: ['overview-usage', today], ...LIVE,
    queryFn: async () => unwrap(await api.GET('/v1/usage', { params: { query: { from: istDay(-13), to: istDay(1), group_by: 'day' } } }), 'reading usage'),
  });
  const days = Array.from({ length: 14 }, (_, i) => istDay(i - 13));
  const hours = Array.from({ length: 24 }, (_, h) => h);
  const perHour = hours.map((h) => calls.data?.calls.filter((c) => new Date(c.startedAt).getHours() === h).length ?? 0);
  const active = calls.data?.calls.filter((c) => !c.endedAt).length ?? 0;
  const todayCost = usage.data?.groups.find((g) => g.key === today)?.totalPaise ?? 0;
  const more = calls.data?.nextCursor ? '+' : '';
  const cards: [string, string][] = [
    ['Active calls now', `${active}`], ['Calls today', `${calls.data?.calls.length ?? 0}${more}`], ['Cost today (INR)', rupees(todayCost)],
    ['Cost, last 14 days', rupees(usage.data?.totals.totalPaise)],
  ];
  return (
    <>
      <PageTitle>Overview</PageTitle>
      {(calls.isError || usage.isError) && <Failed error={calls.error ?? usage.error} retry={() => { void calls.refetch(); void usage.refetch(); }} />}
      {calls.isPending || usage.isPending ? <Loading what="today's figures" /> : (
        <>
          <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr 1fr', md: 'repeat(4, 1fr)' }, mb: 3 }}>
            {cards.map(([label, value]) => (
              <Card key={label} component="section" aria-label={label}>
                <CardContent><Typography variant="body2" color="text.secondary">{label}</Typography><Typography variant="h5" component="p">{value}</Typography></CardContent>
              </Card>
            ))}
          </Box>
          <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', md: '1fr 1fr' } }}>
            <Paper component="figure" sx={{ p: 2, m: 0 }} aria-label="Calls per hour today">
              <Typography component="figcaption" variant="h6">Calls per hour today</Typography>
              <BarChart height={260} xAxis={[{ data: hours.map((h) => `${h}`), scaleType: 'band', label: 'hour' }]} series={[{ data: perHour, label: 'calls' }]} />
            </Paper>
            <Paper component="figure" sx={{ p: 2, m: 0 }} aria-label="Cost per day, last 14 days">
              <Typography component="figcaption" variant="h6">Cost per day (INR)</Typography>
              <BarChart height={260} xAxis={[{ data: days.map((d) => d.slice(5)), scaleType: 'band' }]}
                series={[{ data: days.map((d) => (usage.data?.groups.find((g) => g.key === d)?.totalPaise ?? 0) / 100), label: 'INR', valueFormatter: (v) => rupees((v ?? 0) * 100) }]} />
            </Paper>
          </Box>
        </>
      )}
    </>
  );
}
