// The edge's agent look-up through its ControlAgentSource: cold is a fresh source's first look-up (what a new edge,
// or an agent not yet cached, costs a call), warm is the same source asked again (cached on the edge).
import { timeRuns, type Latency } from './latency.ts';

interface Source { get(tenantId: string, agentId: string): Promise<unknown>; close?(): void }
export interface LookupResult { cold: Latency | null; warm: Latency | null; error?: string }

export async function measureAgentLookups(makeSource: () => Source | Promise<Source>, runs: number, tenantId = 'default', agentId = 'demo'): Promise<LookupResult> {
  const probe = await makeSource();
  try {
    await probe.get(tenantId, agentId);
  } catch (error) {
    probe.close?.();
    const message = `agent look-up failed: ${(error as Error).message}`;
    console.error(`  ${message}`);
    return { cold: null, warm: null, error: message };
  }
  const cold = await timeRuns(runs, 10, async () => {
    const source = await makeSource();
    try {
      await source.get(tenantId, agentId);
    } finally {
      source.close?.();
    }
  });
  const warm = await timeRuns(runs * 10, 100, async () => { await probe.get(tenantId, agentId); });
  probe.close?.();
  return { cold, warm };
}
