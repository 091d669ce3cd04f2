// One call as it happens: the caller's and the agent's level, the state, the transcript (interim words in grey until
// they are final) and each turn's latency as it arrives.
import { Link as RouterLink, useParams } from 'react-router';
import { Alert, Box, Chip, Grid, Link, Paper, Typography } from '@mui/material';
import { PageTitle } from '../../components/States';
import { ms } from '../../format';
import { LevelMeter } from './LevelMeter';
import { useLiveCall, type CallState } from './useLiveCall';

// The state's colour is the chip's border; its text stays the body colour, which reads on every background.
const STATE_COLOR: Record<CallState, string> = {
  IDLE: 'divider', LISTENING: 'info.main', PROCESSING: 'warning.main', SPEAKING: 'success.main', ENDED: 'divider',
};

export default function LiveCall() {
  const { id = '' } = useParams();
  const live = useLiveCall(id);
  return (
    <>
      <PageTitle actions={<Link component={RouterLink} to="/live">All live calls</Link>}>Live call</PageTitle>
      <Typography variant="body2" sx={{ mb: 2, wordBreak: 'break-all' }}>{id}</Typography>
      {live.connection === 'error' && <Alert severity="error" sx={{ mb: 2 }}>{live.error}</Alert>}
      {live.connection === 'ended' && (
        <Alert severity="info" sx={{ mb: 2 }}>
          The call has ended ({live.endReason}). <Link component={RouterLink} to={`/calls/${encodeURIComponent(id)}`}>See its record</Link>.
        </Alert>
      )}
      {live.connection === 'connecting' && <Alert severity="info" sx={{ mb: 2 }} role="status">Connecting…</Alert>}
      {live.stale && <Alert severity="warning" sx={{ mb: 2 }} role="status">No live data for a few seconds: the edge holding this call may be gone.</Alert>}
      {live.connection === 'reconnecting' && <Alert severity="warning" sx={{ mb: 2 }} role="status">Connection lost: reconnecting…</Alert>}
      <Grid container spacing={2}>
        <Grid size={{ xs: 12, md: 5 }}>
          <Paper sx={{ p: 2 }}>
            <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 2 }}>
              <Typography component="h2" variant="h6">State</Typography>
              <Chip label={live.state ?? '—'} variant="outlined" sx={{ borderWidth: 2, borderColor: live.state ? STATE_COLOR[live.state] : 'divider', fontWeight: 600 }} aria-live="polite" data-testid="live-state" />
            </Box>
            <LevelMeter label="Caller" db={live.callerDb} />
            <LevelMeter label="Agent" db={live.agentDb} />
            <Typography component="h2" variant="h6" sx={{ mt: 2 }}>Turn latency</Typography>
            {live.turns.length === 0 ? <Typography color="text.secondary">No turn yet.</Typography> : (
              <Box component="ol" sx={{ pl: 3, my: 1 }} aria-label="Turn latencies">
                {live.turns.map((t) => <li key={t.index}>Turn {t.index}: {t.latencyMs === null ? 'greeting' : ms(t.latencyMs)}</li>)}
              </Box>
            )}
          </Paper>
        </Grid>
        <Grid size={{ xs: 12, md: 7 }}>
          <Paper sx={{ p: 2 }}>
            <Typography component="h2" variant="h6">Caller transcript</Typography>
            <Box aria-live="polite" data-testid="live-transcript" sx={{ minHeight: 80 }}>
              {live.finals.length === 0 && !live.interim && <Typography color="text.secondary">Nothing said yet.</Typography>}
              {live.finals.map((text, i) => <Typography key={i} color="text.primary">{text}</Typography>)}
              {live.interim && <Typography color="text.secondary" sx={{ fontStyle: 'italic' }}>{live.interim}</Typography>}
            </Box>
          </Paper>
        </Grid>
      </Grid>
    </>
  );
}
