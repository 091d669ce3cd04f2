import { useState } from 'react';
import { useParams, useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { Box, Tab, Tabs } from '@mui/material';
import { api, statusOf, unwrap } from '../../api/client';
import { Empty, Failed, Loading, PageTitle } from '../../components/States';
import { AgentEditor } from './AgentEditor';
import { AgentVersions } from './AgentVersions';
import { AgentNumbers } from './AgentNumbers';

const TABS = ['settings', 'versions', 'numbers'] as const;

export default function AgentPage() {
  const { id = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const tab = TABS.includes(params.get('tab') as never) ? (params.get('tab') as (typeof TABS)[number]) : 'settings';
  const [editorDirty, setEditorDirty] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const agent = useQuery({ queryKey: ['agent', id], queryFn: async () => unwrap(await api.GET('/v1/agents/{id}', { params: { path: { id } } }), 'reading the agent') });
  if (agent.isPending) return <Loading what="agent" />;
  if (agent.isError) return statusOf(agent.error) === 404 ? <Empty>No agent "{id}" in this tenant.</Empty> : <Failed error={agent.error} retry={() => agent.refetch()} />;
  return (
    <>
      <PageTitle>{agent.data.name} <Box component="span" sx={{ color: 'text.secondary', fontSize: '0.8em' }}>({agent.data.id}, published v{agent.data.publishedVersion}, latest v{agent.data.latestVersion})</Box></PageTitle>
      <Tabs value={tab} onChange={(_, v) => { if (!editorDirty || confirm('Leave without saving your changes?')) { setEditorDirty(false); setParams({ tab: v }); } }} aria-label="Agent sections" sx={{ mb: 2 }} variant="scrollable">
        <Tab label="Settings" value="settings" id="tab-settings" aria-controls="panel-settings" />
        <Tab label="Versions" value="versions" id="tab-versions" aria-controls="panel-versions" />
        <Tab label="Numbers" value="numbers" id="tab-numbers" aria-controls="panel-numbers" />
      </Tabs>
      <Box role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'settings' && <AgentEditor key={agent.data.etag} agent={agent.data} onDirty={setEditorDirty} notice={notice} onSaved={setNotice} />}
        {tab === 'versions' && <AgentVersions agent={agent.data} />}
        {tab === 'numbers' && <AgentNumbers agentId={agent.data.id} />}
      </Box>
    </>
  );
}
