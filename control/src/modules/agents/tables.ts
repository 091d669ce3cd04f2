// Filled by the agents module.
export interface AgentTables {}
