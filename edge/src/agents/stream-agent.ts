// The agent a media stream asks for: `number` (an E.164 number of the caller's tenant) when given, else `agent`.
import type { AgentSource } from './agent-source.ts';
import { asE164 } from './e164.ts';

/** The agent id, or the HTTP status and reason to refuse the upgrade with. */
export type StreamAgent = { agentId: string } | { status: string; reason: string };

export async function streamAgent(agents: AgentSource, tenantId: string, query: { agent: string; number: string }): Promise<StreamAgent> {
  if (!query.number) return { agentId: query.agent || 'demo' };
  const e164 = asE164(query.number);
  if (!e164) return { status: '400 Bad Request', reason: `"number" must be an E.164 number such as +14155550123 (got "${query.number}")` };
  try {
    const route = await agents.agentForNumber(e164);
    // Another tenant's number is as unknown as one nobody has.
    if (route && route.tenantId === tenantId) return { agentId: route.agentId };
    return { status: '404 Not Found', reason: `no agent answers ${e164} in this tenant (add the number with POST /v1/numbers)` };
  } catch (error) {
    return { status: '503 Service Unavailable', reason: `could not look up ${e164}: ${(error as Error).message}` };
  }
}
