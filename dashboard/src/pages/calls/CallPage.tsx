// One call: what was said turn by turn with its timings, barge-ins, tool calls, the event timeline and its cost.
import { useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { Box, Paper, Typography } from '@mui/material';
import { api, statusOf, unwrap } from '../../api/client';
import { Empty, Failed, Loading, PageTitle } from '../../components/States';
import { seconds, when } from '../../format';
import { BargeIns, Timeline, ToolCalls, Transcript, Turns } from './CallSections';
import { CallCost } from './CallCost';

export default function CallPage() {
  const { id = '' } = useParams();
  const call = useQuery({ queryKey: ['call', id], queryFn: async () => unwrap(await api.GET('/v1/calls/{id}', { params: { path: { id } } }), 'reading the call') });
  if (call.isPending) return <Loading what="call" />;
  if (call.isError) return statusOf(call.error) === 404 ? <><PageTitle>Call not found</PageTitle><Empty>No call "{id}" in this tenant.</Empty></> : <Failed error={call.error} retry={() => call.refetch()} />;
  const c = call.data;
  const facts: [string, string][] = [
    ['Agent', `${c.agentId}${c.agentVersion ? ` v${c.agentVersion}` : ''}`], ['Started', when(c.startedAt)], ['Ended', when(c.endedAt)],
    ['Duration', seconds(c.durationS)], ['Outcome', c.outcome ?? 'in progress'], ['From → to', `${c.from ?? '—'} → ${c.to ?? '—'}`],
    ['Transport', c.transport ?? '—'], ['Edge', c.edgeId ?? '—'],
  ];
  return (
    <>
      <PageTitle>Call {c.id}</PageTitle>
      <Paper sx={{ p: 2, mb: 2 }}>
        <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: { xs: 'auto 1fr', md: 'repeat(4, auto 1fr)' }, gap: 1, m: 0 }}>
          {facts.map(([k, v]) => <Box key={k} sx={{ display: 'contents' }}><Typography component="dt" sx={{ fontWeight: 700 }}>{k}</Typography><Typography component="dd" sx={{ m: 0 }}>{v}</Typography></Box>)}
        </Box>
      </Paper>
      <Section title="Transcript"><Transcript call={c} /></Section>
      <Section title="Turns and timings"><Turns call={c} /></Section>
      <Section title="Barge-ins"><BargeIns call={c} /></Section>
      <Section title="Tool calls"><ToolCalls call={c} /></Section>
      <Section title="Cost"><CallCost callId={c.id} /></Section>
      <Section title="Timeline"><Timeline callId={c.id} /></Section>
      <Typography variant="body2" color="text.secondary">The recording player and the live view come later (they need the recordings and the edge's live channel).</Typography>
    </>
  );
}

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Paper component="section" aria-label={title} sx={{ p: 2, mb: 2, overflowX: 'auto' }}>
      <Typography variant="h6" component="h2" gutterBottom>{title}</Typography>
      {children}
    </Paper>
  );
}
