// Agents and their immutable versions. Times are epoch milliseconds. `latest_version` is the newest (possibly a
// draft), `published_version` the one calls get; each row of agent_versions is written once and never changed.
import type { NumberTables } from '../numbers/tables.ts';

export interface AgentTables extends NumberTables {
  agents: {
    tenant_id: string; id: string; name: string; latest_version: number; published_version: number;
    created_at: number; updated_at: number;
  };
  agent_versions: {
    tenant_id: string; agent_id: string; version: number;
    /** The agent's settings as JSON (secrets included: the edge needs them; the public API never shows them). */
    config: string;
    created_at: number;
    /** The user or API key that wrote it ("seed" for the demo agent). */
    created_by: string;
  };
}
