import { useEffect, useRef } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Box, ButtonBase, Chip, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { api, unwrap, type paths } from '../../api/client';
import { Empty, Failed, Loading } from '../../components/States';
import { ms } from '../../format';
import { clock } from './recording/time';

type Call = paths['/v1/calls/{id}']['get']['responses'][200]['content']['application/json'];

/** The transcript following a recording: where each line starts in it, the line playing now, and a way to go there. */
export interface TranscriptFollow {
  starts: Map<number, number>;
  activeSeq: number | null;
  playFrom(timeS: number): void;
}

export function Transcript({ call, follow }: { call: Call; follow?: TranscriptFollow | null }) {
  const list = useRef<HTMLOListElement>(null);
  const activeSeq = follow?.activeSeq ?? null;
  // The line playing now stays in view: the list scrolls itself (the page does not jump away from the player).
  useEffect(() => {
    const box = list.current;
    const item = box?.querySelector<HTMLElement>('[aria-current="true"]');
    if (!box || !item) return;
    const top = item.offsetTop; // the list is positioned: offsets are within it
    if (top < box.scrollTop || top + item.offsetHeight > box.scrollTop + box.clientHeight) box.scrollTo({ top: Math.max(0, top - box.clientHeight / 3), behavior: 'smooth' });
  }, [activeSeq]);
  if (call.transcript.length === 0) return <Empty>Nothing was said.</Empty>;
  return (
    <Box component="ol" ref={list} aria-label="Transcript" data-testid="transcript"
      sx={{ listStyle: 'none', p: 0, m: 0, display: 'grid', gap: follow ? 0.5 : 1, ...(follow && { maxHeight: 360, overflowY: 'auto', position: 'relative' }) }}>
      {call.transcript.map((line) => {
        const content = (
          <>
            <Chip size="small" component="span" label={line.speaker} color={line.speaker === 'caller' ? 'default' : 'primary'} />
            <Typography component="span">{line.text}</Typography>
          </>
        );
        const startS = follow?.starts.get(line.seq);
        if (!follow || startS === undefined) {
          return <Box component="li" key={line.seq} sx={{ display: 'flex', gap: 1, alignItems: 'baseline' }}>{content}</Box>;
        }
        const current = line.seq === activeSeq;
        return (
          <Box component="li" key={line.seq}>
            <ButtonBase
              onClick={() => follow.playFrom(startS)} aria-current={current ? 'true' : undefined} data-speaker={line.speaker}
              sx={{
                width: '100%', justifyContent: 'flex-start', alignItems: 'baseline', gap: 1, textAlign: 'left', px: 1, py: 0.75, borderRadius: 1,
                borderLeft: '4px solid', borderColor: current ? 'primary.main' : 'transparent', bgcolor: current ? 'action.selected' : 'transparent',
                '&:hover': { bgcolor: 'action.hover' }, '&.Mui-focusVisible': { outline: '2px solid', outlineColor: 'primary.main' },
              }}
            >
              <Typography component="span" variant="body2" sx={{ fontVariantNumeric: 'tabular-nums', color: 'text.secondary', minWidth: '3.5em' }}>
                <span style={VISUALLY_HIDDEN}>Play from </span>{clock(startS)}
              </Typography>
              {content}
            </ButtonBase>
          </Box>
        );
      })}
    </Box>
  );
}

const VISUALLY_HIDDEN = { position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)', whiteSpace: 'nowrap' } as const;

export function Turns({ call }: { call: Call }) {
  if (call.turns.length === 0) return <Empty>No turns.</Empty>;
  return (
    <Table size="small" aria-label="Turns with timings">
      <TableHead><TableRow><TableCell>#</TableCell><TableCell>Caller</TableCell><TableCell>Agent</TableCell><TableCell align="right">End of turn</TableCell><TableCell align="right">ASR / LLM / TTS first byte</TableCell><TableCell align="right">Speaking</TableCell></TableRow></TableHead>
      <TableBody>
        {call.turns.map((t) => (
          <TableRow key={t.index}>
            <TableCell>{t.index}</TableCell>
            <TableCell>{t.callerText || <em>(greeting)</em>}</TableCell>
            <TableCell>{t.agentText}</TableCell>
            <TableCell align="right">{ms(t.endOfTurnMs)}</TableCell>
            <TableCell align="right">{ms(t.ttfbMs.asr)} / {ms(t.ttfbMs.llm)} / {ms(t.ttfbMs.tts)}</TableCell>
            <TableCell align="right">{ms(t.agentSpeakingMs)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

export function BargeIns({ call }: { call: Call }) {
  if (call.bargeIns.length === 0) return <Empty>The caller never interrupted the agent.</Empty>;
  return (
    <Table size="small" aria-label="Barge-ins">
      <TableHead><TableRow><TableCell>At</TableCell><TableCell>Cause</TableCell><TableCell>Agent had said</TableCell><TableCell align="right">Onset → silence</TableCell></TableRow></TableHead>
      <TableBody>
        {call.bargeIns.map((b) => (
          <TableRow key={b.seq}><TableCell>{new Date(b.at).toLocaleTimeString()}</TableCell><TableCell>{b.cause}</TableCell><TableCell>{b.playedText}</TableCell><TableCell align="right">{ms(b.silenceAfterMs)}</TableCell></TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

export function ToolCalls({ call }: { call: Call }) {
  if (call.toolCalls.length === 0) return <Empty>No tools were called.</Empty>;
  return (
    <Table size="small" aria-label="Tool calls">
      <TableHead><TableRow><TableCell>Tool</TableCell><TableCell>Arguments</TableCell><TableCell>Result</TableCell><TableCell align="right">Took</TableCell></TableRow></TableHead>
      <TableBody>
        {call.toolCalls.map((t) => (
          <TableRow key={t.ref}>
            <TableCell>{t.name}</TableCell>
            <TableCell sx={{ fontFamily: 'monospace', wordBreak: 'break-all' }}>{t.arguments}</TableCell>
            <TableCell sx={{ fontFamily: 'monospace', wordBreak: 'break-all' }}>{t.ok === false ? `failed: ${t.result ?? ''}` : t.result ?? 'no result'}</TableCell>
            <TableCell align="right">{ms(t.durationMs)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** The call's events (the Timeline section and the recording's transcript share one request). */
export function useTimeline(callId: string) {
  return useQuery({ queryKey: ['timeline', callId], queryFn: async () => unwrap(await api.GET('/v1/calls/{id}/timeline', { params: { path: { id: callId } } }), 'reading the timeline') });
}

export function Timeline({ callId }: { callId: string }) {
  const timeline = useTimeline(callId);
  if (timeline.isPending) return <Loading what="timeline" />;
  if (timeline.isError) return <Failed error={timeline.error} retry={() => timeline.refetch()} />;
  const events = timeline.data.events;
  if (events.length === 0) return <Empty>No events.</Empty>;
  const t0 = events[0]!.tsMs;
  return (
    <Table size="small" aria-label="Event timeline">
      <TableHead><TableRow><TableCell align="right">+ms</TableCell><TableCell>Event</TableCell><TableCell>Details</TableCell></TableRow></TableHead>
      <TableBody>
        {events.map((e) => (
          <TableRow key={e.seq}>
            <TableCell align="right">{Math.round(e.tsMs - t0)}</TableCell>
            <TableCell>{e.kind}</TableCell>
            <TableCell sx={{ fontFamily: 'monospace', fontSize: '0.8rem', wordBreak: 'break-all' }}>{JSON.stringify(e.payload)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
