// Every call in progress on every edge, refreshed every two seconds; open one to watch it live.
import { Link as RouterLink } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { Link, Paper, Table, TableBody, TableCell, TableContainer, TableHead, TableRow } from '@mui/material';
import { Empty, Failed, Loading, PageTitle } from '../../components/States';
import { when } from '../../format';
import { listLiveCalls } from './liveCalls';

export default function LiveCalls() {
  const calls = useQuery({ queryKey: ['live-calls'], queryFn: listLiveCalls, refetchInterval: 2_000 });
  return (
    <>
      <PageTitle>Live calls</PageTitle>
      {calls.isPending ? <Loading what="calls in progress" />
        : calls.isError ? <Failed error={calls.error} retry={() => calls.refetch()} />
          : calls.data.calls.length === 0 ? <Empty>No call is in progress. This list refreshes every two seconds.</Empty>
            : (
              <TableContainer component={Paper}>
                <Table aria-label="Calls in progress" size="small">
                  <TableHead><TableRow><TableCell>Call</TableCell><TableCell>Agent</TableCell><TableCell>From</TableCell><TableCell>Edge</TableCell><TableCell>Started</TableCell></TableRow></TableHead>
                  <TableBody>
                    {calls.data.calls.map((c) => (
                      <TableRow key={c.id}>
                        <TableCell><Link component={RouterLink} to={`/live/${encodeURIComponent(c.id)}`}>Watch {c.id.slice(0, 12)}</Link></TableCell>
                        <TableCell>{c.agentId}</TableCell>
                        <TableCell>{c.from ?? '—'}</TableCell>
                        <TableCell>{c.edgeId ?? '—'}</TableCell>
                        <TableCell>{when(c.startedAt)}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              </TableContainer>
            )}
    </>
  );
}
