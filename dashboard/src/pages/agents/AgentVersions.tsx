// The agent's versions, a diff between any two, and rollback: publishing an older version is what calls get next.
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Box, Button, Chip, FormControl, InputLabel, MenuItem, Paper, Select, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, Typography } from '@mui/material';
import { api, unwrap, type Schemas } from '../../api/client';
import { useCanEdit } from '../../auth/useSession';
import { Empty, Failed, Loading } from '../../components/States';
import { when } from '../../format';
import { diffDocuments } from './diff';

export function AgentVersions({ agent }: { agent: Schemas['Agent'] }) {
  const canEdit = useCanEdit();
  const client = useQueryClient();
  const versions = useQuery({
    queryKey: ['versions', agent.id],
    queryFn: async () => unwrap(await api.GET('/v1/agents/{id}/versions', { params: { path: { id: agent.id }, query: { limit: 200 } } }), 'listing versions'),
  });
  const [a, setA] = useState(Math.max(1, agent.latestVersion - 1));
  const [b, setB] = useState(agent.latestVersion);
  const read = (version: number) => ({
    queryKey: ['version', agent.id, version],
    queryFn: async () => unwrap(await api.GET('/v1/agents/{id}/versions/{version}', { params: { path: { id: agent.id, version } } }), `reading version ${version}`),
    staleTime: Infinity,
  });
  const left = useQuery(read(a));
  const right = useQuery(read(b));
  const publish = useMutation({
    mutationFn: async (version: number) => unwrap(await api.POST('/v1/agents/{id}/publish', { params: { path: { id: agent.id } }, body: { version } }), 'publishing'),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['agent', agent.id] });
      await client.invalidateQueries({ queryKey: ['versions', agent.id] });
    },
  });
  if (versions.isPending) return <Loading what="versions" />;
  if (versions.isError) return <Failed error={versions.error} retry={() => versions.refetch()} />;
  const numbers = versions.data.items.map((v) => v.version);
  const changes = left.data && right.data ? diffDocuments(left.data.config, right.data.config) : null;
  const pick = (label: string, value: number, set: (v: number) => void) => (
    <FormControl size="small" sx={{ minWidth: 140 }}>
      <InputLabel id={`${label.replace(/\W+/g, '-')}-label`}>{label}</InputLabel>
      <Select labelId={`${label.replace(/\W+/g, '-')}-label`} label={label} value={numbers.includes(value) ? value : ''} onChange={(e) => set(Number(e.target.value))}>
        {numbers.map((n) => <MenuItem key={n} value={n}>v{n}</MenuItem>)}
      </Select>
    </FormControl>
  );
  return (
    <Box sx={{ display: 'grid', gap: 3 }}>
      {publish.isError && <Alert severity="error">{publish.error.message}</Alert>}
      <TableContainer component={Paper}>
        <Table size="small" aria-label="Versions">
          <TableHead><TableRow><TableCell>Version</TableCell><TableCell>Written</TableCell><TableCell>By</TableCell><TableCell>State</TableCell>{canEdit && <TableCell>Action</TableCell>}</TableRow></TableHead>
          <TableBody>
            {versions.data.items.map((v) => (
              <TableRow key={v.version}>
                <TableCell>v{v.version}</TableCell>
                <TableCell>{when(v.createdAt)}</TableCell>
                <TableCell>{v.createdBy}</TableCell>
                <TableCell>{v.version === agent.publishedVersion ? <Chip size="small" color="success" label="published" /> : 'draft'}</TableCell>
                {canEdit && (
                  <TableCell>
                    {v.version !== agent.publishedVersion && (
                      <Button size="small" disabled={publish.isPending} onClick={() => publish.mutate(v.version)}>
                        {v.version < agent.publishedVersion ? `Roll back to v${v.version}` : `Publish v${v.version}`}
                      </Button>
                    )}
                  </TableCell>
                )}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </TableContainer>
      <Paper sx={{ p: 2 }}>
        <Typography variant="h6" component="h2" gutterBottom>Compare versions</Typography>
        <Box sx={{ display: 'flex', gap: 2, mb: 2, flexWrap: 'wrap' }}>{pick('From version', a, setA)}{pick('To version', b, setB)}</Box>
        {left.isError || right.isError ? <Failed error={left.error ?? right.error} />
          : !changes ? <Loading what="the versions" />
            : changes.length === 0 ? <Empty>v{a} and v{b} have the same settings.</Empty>
              : (
                <TableContainer>
                  <Table size="small" aria-label={`Differences between v${a} and v${b}`}>
                    <TableHead><TableRow><TableCell>Field</TableCell><TableCell>v{a}</TableCell><TableCell>v{b}</TableCell></TableRow></TableHead>
                    <TableBody>
                      {changes.map((c) => (
                        <TableRow key={c.path}>
                          <TableCell sx={{ fontFamily: 'monospace' }}>{c.path}</TableCell>
                          <TableCell sx={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>{c.before ?? '(none)'}</TableCell>
                          <TableCell sx={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>{c.after ?? '(none)'}</TableCell>
                        </TableRow>
                      ))}
                    </TableBody>
                  </Table>
                </TableContainer>
              )}
      </Paper>
    </Box>
  );
}
