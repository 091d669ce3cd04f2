import { useMemo, useState, type FormEvent } from 'react';
import { Link as RouterLink, useNavigate } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Box, Button, Paper, TextField } from '@mui/material';
import { api, unwrap } from '../../api/client';
import { useCanEdit } from '../../auth/useSession';
import { Empty, PageTitle } from '../../components/States';
import { AgentFields, setPath, withTools, type Draft } from './AgentFields';
import { createErrors, type FieldErrors } from './validate';
import { newAgent } from './defaults';

export default function AgentCreate() {
  const canEdit = useCanEdit();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [draft, setDraft] = useState<Draft>(newAgent);
  const [toolsText, setToolsText] = useState('');
  const [touched, setTouched] = useState(false);
  const { doc, toolsError } = withTools(draft, toolsText);
  const errors: FieldErrors = useMemo(() => ({ ...createErrors(doc), ...(toolsError ? { tools: toolsError } : {}) }), [doc, toolsError]);
  const shown: FieldErrors = touched ? errors : Object.fromEntries(Object.entries(errors).filter(([k]) => k !== 'name'));
  const create = useMutation({
    mutationFn: async () => unwrap(await api.POST('/v1/agents', { body: doc as never }), 'creating the agent'),
    onSuccess: async (agent) => { await client.invalidateQueries({ queryKey: ['agents'] }); navigate(`/agents/${encodeURIComponent(agent.id)}`); },
  });
  if (!canEdit) return <Empty>Viewers cannot create agents: ask an admin of this tenant.</Empty>;

  function submit(event: FormEvent) {
    event.preventDefault();
    setTouched(true);
    if (Object.keys(errors).length === 0) create.mutate();
  }
  return (
    <Paper component="form" onSubmit={submit} sx={{ p: { xs: 2, md: 3 } }} noValidate aria-labelledby="create-title">
      <PageTitle><span id="create-title">New agent</span></PageTitle>
      {create.isError && <Alert severity="error" sx={{ mb: 2 }}>{create.error.message}</Alert>}
      <TextField label="Agent id (optional)" value={draft.id ?? ''} onChange={(e) => setDraft(setPath(draft, 'id', e.target.value || undefined))}
        error={Boolean(shown.id)} helperText={shown.id ?? 'letters, digits, _ or -; left empty, control makes one'} sx={{ mb: 2 }} fullWidth />
      <AgentFields draft={draft} onChange={(next) => { setTouched(true); setDraft(next); }} errors={shown} readOnly={false} toolsText={toolsText} onToolsText={setToolsText} />
      <Box sx={{ display: 'flex', gap: 1, mt: 3 }}>
        <Button type="submit" variant="contained" disabled={create.isPending || (touched && Object.keys(errors).length > 0)}>Create agent</Button>
        <Button component={RouterLink} to="/agents">Cancel</Button>
      </Box>
    </Paper>
  );
}
