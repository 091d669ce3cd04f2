// Calls with filters (kept in the URL, so a filtered list can be shared and survives a reload), sortable columns and
// cursor pagination.
import { Link as RouterLink, useSearchParams } from 'react-router';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Box, Button, Link, Paper, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, TableSortLabel, TextField } from '@mui/material';
import { api, unwrap } from '../../api/client';
import { PageButtons, useCursorPages } from '../../components/CursorPages';
import { Empty, Failed, Loading, PageTitle } from '../../components/States';
import { rupees, seconds, when } from '../../format';
import { useCallCosts } from './useCallCosts';

const FILTERS = [
  { key: 'agent', label: 'Agent id' },
  { key: 'outcome', label: 'Outcome' },
  { key: 'q', label: 'Transcript text' },
  { key: 'from', label: 'Started from', type: 'datetime-local' },
  { key: 'to', label: 'Started before', type: 'datetime-local' },
  { key: 'minDurationS', label: 'Min duration (s)', type: 'number' },
  { key: 'maxDurationS', label: 'Max duration (s)', type: 'number' },
] as const;

const PAGE = 25;

export default function CallList() {
  const [params, setParams] = useSearchParams();
  const pages = useCursorPages();
  const cursor = pages.cursor;
  const sort = params.get('sort') === 'durationS' ? 'durationS' : 'startedAt';
  const order = params.get('order') === 'asc' ? 'asc' : 'desc';
  const value = (key: string) => params.get(key) ?? '';
  const iso = (local: string) => (local ? new Date(local).toISOString() : undefined);
  const num = (s: string) => (s === '' || Number.isNaN(Number(s)) ? undefined : Number(s));
  const query = {
    agent: value('agent') || undefined, outcome: value('outcome') || undefined, q: value('q') || undefined,
    from: iso(value('from')), to: iso(value('to')), minDurationS: num(value('minDurationS')), maxDurationS: num(value('maxDurationS')),
    sort, order, cursor, limit: PAGE,
  } as const;
  const calls = useQuery({
    queryKey: ['calls', query],
    queryFn: async () => unwrap(await api.GET('/v1/calls', { params: { query } }), 'listing calls'),
    placeholderData: keepPreviousData,
  });
  const costs = useCallCosts(calls.data?.calls);
  const update = (key: string, v: string) => {
    pages.reset();
    setParams((p) => { const next = new URLSearchParams(p); if (v) next.set(key, v); else next.delete(key); return next; }, { replace: true });
  };
  const sortBy = (column: 'startedAt' | 'durationS') => {
    pages.reset();
    setParams((p) => { const next = new URLSearchParams(p); next.set('order', sort === column && order === 'desc' ? 'asc' : 'desc'); next.set('sort', column); return next; });
  };
  const filtered = FILTERS.some((f) => value(f.key));
  return (
    <>
      <PageTitle actions={filtered && <Button onClick={() => { pages.reset(); setParams({}); }}>Clear filters</Button>}>Calls</PageTitle>
      <Box component="search" aria-label="Filter calls" sx={{ display: 'grid', gap: 1.5, gridTemplateColumns: { xs: '1fr 1fr', md: 'repeat(4, 1fr)' }, mb: 2 }}>
        {FILTERS.map((f) => (
          <TextField key={f.key} size="small" label={f.label} type={'type' in f ? f.type : 'search'} value={value(f.key)} onChange={(e) => update(f.key, e.target.value)}
            slotProps={{ inputLabel: 'type' in f && f.type === 'datetime-local' ? { shrink: true } : undefined }} />
        ))}
      </Box>
      {calls.isPending ? <Loading what="calls" />
        : calls.isError ? <Failed error={calls.error} retry={() => calls.refetch()} />
          : calls.data.calls.length === 0 ? <Empty>{filtered ? 'No call matches these filters.' : 'No calls yet. Place one with `invorto call --say "hello"`.'}</Empty>
            : (
              <TableContainer component={Paper}>
                <Table size="small" aria-label="Calls">
                  <TableHead>
                    <TableRow>
                      <TableCell sortDirection={sort === 'startedAt' ? order : false}>
                        <TableSortLabel active={sort === 'startedAt'} direction={sort === 'startedAt' ? order : 'desc'} onClick={() => sortBy('startedAt')}>Started</TableSortLabel>
                      </TableCell>
                      <TableCell>Agent</TableCell>
                      <TableCell>From</TableCell>
                      <TableCell>Outcome</TableCell>
                      <TableCell align="right" sortDirection={sort === 'durationS' ? order : false}>
                        <TableSortLabel active={sort === 'durationS'} direction={sort === 'durationS' ? order : 'desc'} onClick={() => sortBy('durationS')}>Duration</TableSortLabel>
                      </TableCell>
                      <TableCell align="right">Turns</TableCell>
                      <TableCell align="right">Cost (INR)</TableCell>
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {calls.data.calls.map((c) => (
                      <TableRow key={c.id} hover>
                        <TableCell><Link component={RouterLink} to={`/calls/${encodeURIComponent(c.id)}`} aria-label={`Call ${c.id}, started ${when(c.startedAt)}`}>{when(c.startedAt)}</Link></TableCell>
                        <TableCell>{c.agentId}{c.agentVersion ? ` v${c.agentVersion}` : ''}</TableCell>
                        <TableCell>{c.from ?? '—'}</TableCell>
                        <TableCell>{c.outcome ?? 'in progress'}</TableCell>
                        <TableCell align="right">{seconds(c.durationS)}</TableCell>
                        <TableCell align="right">{c.turnCount}</TableCell>
                        <TableCell align="right">{costs?.has(c.id) ? rupees(costs.get(c.id)) : '—'}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              </TableContainer>
            )}
      <PageButtons pages={pages} nextCursor={calls.data?.nextCursor} />
    </>
  );
}
