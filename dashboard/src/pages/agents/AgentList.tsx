import { useDeferredValue, useState } from 'react';
import { Link as RouterLink } from 'react-router';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Button, Link, Paper, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, TextField } from '@mui/material';
import { api, unwrap } from '../../api/client';
import { useCanEdit } from '../../auth/useSession';
import { PageButtons, useCursorPages } from '../../components/CursorPages';
import { Empty, Failed, Loading, PageTitle } from '../../components/States';
import { when } from '../../format';

const PAGE = 20;

export default function AgentList() {
  const canEdit = useCanEdit();
  const [search, setSearch] = useState('');
  const q = useDeferredValue(search.trim());
  const pages = useCursorPages();
  const cursor = pages.cursor;
  const agents = useQuery({
    queryKey: ['agents', q, cursor],
    queryFn: async () => unwrap(await api.GET('/v1/agents', { params: { query: { q: q || undefined, cursor, limit: PAGE } } }), 'listing agents'),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <PageTitle actions={canEdit && <Button variant="contained" component={RouterLink} to="/agents/new">New agent</Button>}>Agents</PageTitle>
      <TextField label="Search agents by name" type="search" value={search} size="small" sx={{ mb: 2, width: { xs: '100%', sm: 320 } }}
        onChange={(e) => { setSearch(e.target.value); pages.reset(); }} />
      {agents.isPending ? <Loading what="agents" />
        : agents.isError ? <Failed error={agents.error} retry={() => agents.refetch()} />
          : agents.data.items.length === 0 ? <Empty>{q ? `No agent's name contains "${q}".` : 'No agents yet.'}</Empty>
            : (
              <TableContainer component={Paper}>
                <Table aria-label="Agents" size="small">
                  <TableHead><TableRow><TableCell>Name</TableCell><TableCell>Id</TableCell><TableCell align="right">Published</TableCell><TableCell align="right">Latest</TableCell><TableCell>Updated</TableCell></TableRow></TableHead>
                  <TableBody>
                    {agents.data.items.map((a) => (
                      <TableRow key={a.id} hover>
                        <TableCell><Link component={RouterLink} to={`/agents/${encodeURIComponent(a.id)}`}>{a.name}</Link></TableCell>
                        <TableCell>{a.id}</TableCell>
                        <TableCell align="right">v{a.publishedVersion}</TableCell>
                        <TableCell align="right">v{a.latestVersion}</TableCell>
                        <TableCell>{when(a.updatedAt)}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              </TableContainer>
            )}
      <PageButtons pages={pages} nextCursor={agents.data?.nextCursor} />
    </>
  );
}
