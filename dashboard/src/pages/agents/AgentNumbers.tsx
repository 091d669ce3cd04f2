import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Box, Button, Paper, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, TextField } from '@mui/material';
import { api, unwrap } from '../../api/client';
import { useCanEdit } from '../../auth/useSession';
import { Empty, Failed, Loading } from '../../components/States';

const E164 = /^\+[1-9]\d{6,14}$/;

export function AgentNumbers({ agentId }: { agentId: string }) {
  const canEdit = useCanEdit();
  const client = useQueryClient();
  const [number, setNumber] = useState('');
  const [label, setLabel] = useState('');
  const numbers = useQuery({
    queryKey: ['numbers', agentId],
    queryFn: async () => unwrap(await api.GET('/v1/numbers', { params: { query: { agentId, limit: 200 } } }), 'listing numbers'),
  });
  const assign = useMutation({
    mutationFn: async () => unwrap(await api.POST('/v1/numbers', { body: { number, agentId, ...(label ? { label } : {}) } }), 'assigning the number'),
    onSuccess: async () => { setNumber(''); setLabel(''); await client.invalidateQueries({ queryKey: ['numbers', agentId] }); },
  });
  const bad = number !== '' && !E164.test(number);
  function submit(event: FormEvent) {
    event.preventDefault();
    if (E164.test(number)) assign.mutate();
  }
  return (
    <Box sx={{ display: 'grid', gap: 2 }}>
      {numbers.isPending ? <Loading what="numbers" />
        : numbers.isError ? <Failed error={numbers.error} retry={() => numbers.refetch()} />
          : numbers.data.items.length === 0 ? <Empty>No phone number reaches this agent yet.</Empty>
            : (
              <TableContainer component={Paper}>
                <Table size="small" aria-label="Phone numbers of this agent">
                  <TableHead><TableRow><TableCell>Number</TableCell><TableCell>Label</TableCell></TableRow></TableHead>
                  <TableBody>{numbers.data.items.map((n) => <TableRow key={n.number}><TableCell>{n.number}</TableCell><TableCell>{n.label ?? ''}</TableCell></TableRow>)}</TableBody>
                </Table>
              </TableContainer>
            )}
      {canEdit && (
        <Paper component="form" onSubmit={submit} sx={{ p: 2, display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'flex-start' }} aria-label="Assign a number">
          <TextField size="small" label="Phone number (E.164)" value={number} onChange={(e) => setNumber(e.target.value.trim())} error={bad} helperText={bad ? 'E.164: + then 7-15 digits, e.g. +918045550100' : ' '} />
          <TextField size="small" label="Label (optional)" value={label} onChange={(e) => setLabel(e.target.value)} helperText=" " />
          <Button type="submit" variant="contained" disabled={!E164.test(number) || assign.isPending}>Assign number</Button>
          {assign.isError && <Alert severity="error" sx={{ width: '100%' }}>{assign.error.message}</Alert>}
        </Paper>
      )}
    </Box>
  );
}
