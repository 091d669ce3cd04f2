// The agent contract is shared with control, so it lives in proto; the edge refers to it from here.
export type { AgentConfig, ScriptedIntent } from '@invorto/proto/agent-config.ts';
export type { AgentSource, NumberRoute } from './agent-source.ts';
