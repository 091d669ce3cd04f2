// One call: its recording with the transcript following the audio, what was said turn by turn with its timings,
// barge-ins, tool calls, the event timeline and its cost.
import { useCallback, useMemo, useRef, useState } from 'react';
import { useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { Box, Paper, Typography } from '@mui/material';
import { api, statusOf, unwrap, type paths } from '../../api/client';
import { Empty, Failed, Loading, PageTitle } from '../../components/States';
import { seconds, when } from '../../format';
import { BargeIns, Timeline, ToolCalls, Transcript, Turns, useTimeline, type TranscriptFollow } from './CallSections';
import { CallCost } from './CallCost';
import { RecordingSection } from './recording/RecordingSection';
import type { PlayerHandle } from './recording/RecordingPlayer';
import { useRecording } from './recording/useRecording';
import { activeLine, lineStarts } from './recording/follow';

type Call = paths['/v1/calls/{id}']['get']['responses'][200]['content']['application/json'];

export default function CallPage() {
  const { id = '' } = useParams();
  const call = useQuery({ queryKey: ['call', id], queryFn: async () => unwrap(await api.GET('/v1/calls/{id}', { params: { path: { id } } }), 'reading the call') });
  if (call.isPending) return <Loading what="call" />;
  if (call.isError) return statusOf(call.error) === 404 ? <><PageTitle>Call not found</PageTitle><Empty>No call "{id}" in this tenant.</Empty></> : <Failed error={call.error} retry={() => call.refetch()} />;
  return <CallDetails call={call.data} />;
}

function CallDetails({ call: c }: { call: Call }) {
  const recording = useRecording(c.id, c.endedAt !== null);
  const timeline = useTimeline(c.id);
  const player = useRef<PlayerHandle>(null);
  const starts = useMemo(() => {
    if (!recording.data || !timeline.data) return null;
    return lineStarts(c.transcript, timeline.data.events, recording.data.callerLevels, recording.data.durationS);
  }, [c.transcript, recording.data, timeline.data]);
  const [activeSeq, setActiveSeq] = useState<number | null>(null);
  // Called every frame while playing; the page renders again only when the line changes.
  const onTime = useCallback((timeS: number) => setActiveSeq(starts ? activeLine(starts, timeS) : null), [starts]);
  const follow = useMemo((): TranscriptFollow | null => starts && {
    starts: new Map(starts.map((s) => [s.seq, s.startS])), activeSeq, playFrom: (timeS) => player.current?.playFrom(timeS),
  }, [starts, activeSeq]);
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
      <Section title="Recording"><RecordingSection call={c} recording={recording} onTime={onTime} playerRef={player} /></Section>
      <Section title="Transcript">
        {follow && <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>The line playing now is highlighted; choose a line to play from it.</Typography>}
        <Transcript call={c} follow={follow} />
      </Section>
      <Section title="Turns and timings"><Turns call={c} /></Section>
      <Section title="Barge-ins"><BargeIns call={c} /></Section>
      <Section title="Tool calls"><ToolCalls call={c} /></Section>
      <Section title="Cost"><CallCost callId={c.id} /></Section>
      <Section title="Timeline"><Timeline callId={c.id} /></Section>
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
