// Edits the agent's latest version: save writes a new version with If-Match (a stale copy is refused, not
// overwritten), optionally publishing it; cancel goes back to what is stored; leaving with changes asks first.
import { useEffect, useMemo, useState } from 'react';
import { useBlocker } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Box, Button, Dialog, DialogActions, DialogContent, DialogTitle, Paper } from '@mui/material';
import { api, type Schemas } from '../../api/client';
import { useCanEdit } from '../../auth/useSession';
import { AgentFields, withTools, type Draft } from './AgentFields';
import { toSettingsIn } from './defaults';
import { settingsErrors } from './validate';

const toolsTextOf = (config: Draft) => (config.tools ? JSON.stringify(config.tools, null, 2) : '');

interface Props {
  agent: Schemas['Agent'];
  onDirty(dirty: boolean): void;
  /** What the last save did, kept by the page: the editor starts afresh from the saved agent. */
  notice: string | null;
  onSaved(notice: string): void;
}

export function AgentEditor({ agent, onDirty, notice, onSaved }: Props) {
  const canEdit = useCanEdit();
  const client = useQueryClient();
  const original = useMemo(() => toSettingsIn(agent.config), [agent]);
  const [draft, setDraft] = useState<Draft>(original);
  const [toolsText, setToolsText] = useState(toolsTextOf(original));
  const { doc, toolsError } = withTools(draft, toolsText);
  const errors = useMemo(() => ({ ...settingsErrors(doc), ...(toolsError ? { tools: toolsError } : {}) }), [doc, toolsError]);
  const dirty = JSON.stringify(doc) !== JSON.stringify(original) || toolsText !== toolsTextOf(original);
  useEffect(() => onDirty(dirty), [dirty, onDirty]);
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    addEventListener('beforeunload', warn);
    return () => removeEventListener('beforeunload', warn);
  }, [dirty]);
  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirty && currentLocation.pathname !== nextLocation.pathname);

  const save = useMutation({
    mutationFn: async (publish: boolean) => {
      const result = await api.PUT('/v1/agents/{id}', {
        params: { path: { id: agent.id }, query: { publish }, header: { 'if-match': agent.etag } }, body: doc as never,
      });
      if (result.response.status === 412) throw new Error('Someone saved this agent since you opened it. Copy your changes, reload, and apply them again.');
      if (!result.data) throw new Error((result.error as { error?: string } | undefined)?.error ?? `saving failed (${result.response.status})`);
      return result.data;
    },
    onSuccess: async (saved, publish) => {
      onDirty(false);
      onSaved(`Saved as version ${saved.latestVersion}${publish ? ' and published' : ''}.`);
      await client.invalidateQueries({ queryKey: ['agent', agent.id] });
      await client.invalidateQueries({ queryKey: ['versions', agent.id] });
    },
  });
  const invalid = Object.keys(errors).length > 0;

  return (
    <Paper sx={{ p: { xs: 2, md: 3 } }}>
      {!canEdit && <Alert severity="info" sx={{ mb: 2 }}>You can read this agent; only admins and owners change it.</Alert>}
      {save.isError && <Alert severity="error" sx={{ mb: 2 }}>{save.error.message}</Alert>}
      {notice && !dirty && <Alert severity="success" sx={{ mb: 2 }}>{notice}</Alert>}
      <AgentFields draft={draft} onChange={setDraft} errors={errors} readOnly={!canEdit} toolsText={toolsText} onToolsText={setToolsText} />
      {canEdit && (
        <Box sx={{ display: 'flex', gap: 1, mt: 3, flexWrap: 'wrap' }}>
          <Button variant="contained" disabled={!dirty || invalid || save.isPending} onClick={() => save.mutate(false)}>Save draft</Button>
          <Button variant="outlined" disabled={!dirty || invalid || save.isPending} onClick={() => save.mutate(true)}>Save and publish</Button>
          <Button disabled={!dirty} onClick={() => { setDraft(original); setToolsText(toolsTextOf(original)); }}>Cancel changes</Button>
        </Box>
      )}
      <Dialog open={blocker.state === 'blocked'} onClose={() => blocker.reset?.()} aria-labelledby="unsaved-title">
        <DialogTitle id="unsaved-title">Leave without saving?</DialogTitle>
        <DialogContent>Your changes to this agent are not saved.</DialogContent>
        <DialogActions>
          <Button onClick={() => blocker.reset?.()} autoFocus>Stay</Button>
          <Button color="error" onClick={() => blocker.proceed?.()}>Leave</Button>
        </DialogActions>
      </Dialog>
    </Paper>
  );
}
