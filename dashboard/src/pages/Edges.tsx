import { useQuery } from '@tanstack/react-query';
import { Chip, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, Paper } from '@mui/material';
import { api, statusOf, unwrap } from '../api/client';
import { Empty, Failed, Loading, PageTitle } from '../components/States';
import { when } from '../format';

export default function Edges() {
  const edges = useQuery({ queryKey: ['edges'], queryFn: async () => unwrap(await api.GET('/v1/edges'), 'listing edges'), refetchInterval: 5_000 });
  return (
    <>
      <PageTitle>Edges</PageTitle>
      {edges.isPending ? <Loading what="edges" />
        : edges.isError ? (statusOf(edges.error) === 403 ? <Empty>Edges are the operator's infrastructure: only the operator tenant sees them.</Empty> : <Failed error={edges.error} retry={() => edges.refetch()} />)
          : edges.data.edges.length === 0 ? <Empty>No edge has sent a heartbeat yet. Start one with `invorto edge` or `npm start`.</Empty>
            : (
              <TableContainer component={Paper}>
                <Table aria-label="Edges">
                  <TableHead><TableRow><TableCell>Edge</TableCell><TableCell>State</TableCell><TableCell align="right">Active calls</TableCell><TableCell align="right">CPU</TableCell><TableCell>Version</TableCell><TableCell>Last seen</TableCell></TableRow></TableHead>
                  <TableBody>
                    {edges.data.edges.map((e) => (
                      <TableRow key={e.id}>
                        <TableCell>{e.id}<br /><small>{e.address}</small></TableCell>
                        <TableCell><Chip size="small" label={e.state} color={e.state === 'up' ? 'success' : e.state === 'draining' ? 'warning' : 'error'} /></TableCell>
                        <TableCell align="right">{e.activeCalls}</TableCell>
                        <TableCell align="right">{e.cpu.toFixed(0)}% of a core</TableCell>
                        <TableCell>{e.version}</TableCell>
                        <TableCell>{when(e.lastSeenAt)}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              </TableContainer>
            )}
    </>
  );
}
