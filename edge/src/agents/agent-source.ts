// Where the edge gets an agent's config: control's internal API, cached briefly so a burst of calls costs one request.
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { validateAgentConfig, type AgentConfig } from '@invorto/proto/agent-config.ts';

export interface AgentSource {
  get(tenantId: string, agentId: string): Promise<AgentConfig>;
  /** The tenant a tenant API key belongs to, or null when it is not one. */
  tenantForApiKey(key: string): Promise<string | null>;
}

export class ControlAgentSource implements AgentSource {
  readonly #cache = new Map<string, { agent: Promise<AgentConfig>; expiresMs: number }>();

  constructor(private readonly controlUrl: string, private readonly internalToken: string, private readonly ttlMs = 10_000) {}

  get(tenantId: string, agentId: string): Promise<AgentConfig> {
    const key = `${tenantId}/${agentId}`;
    const cached = this.#cache.get(key);
    if (cached && cached.expiresMs > Date.now()) return cached.agent;
    const agent = this.#fetch(tenantId, agentId);
    this.#cache.set(key, { agent, expiresMs: Date.now() + this.ttlMs });
    agent.catch(() => this.#cache.delete(key));
    return agent;
  }

  async tenantForApiKey(key: string): Promise<string | null> {
    try {
      const response = await fetch(`${this.controlUrl}/internal/tenant-for-key`, { headers: { 'x-invorto-internal': this.internalToken, 'x-api-key': key }, signal: AbortSignal.timeout(3000) });
      if (!response.ok) return null;
      return String(((await response.json()) as { tenantId?: string }).tenantId ?? '') || null;
    } catch {
      return null;
    }
  }

  async #fetch(tenantId: string, agentId: string): Promise<AgentConfig> {
    const url = `${this.controlUrl}/internal/agents/${encodeURIComponent(tenantId)}/${encodeURIComponent(agentId)}`;
    let response: Response;
    try {
      response = await fetch(url, { headers: { 'x-invorto-internal': this.internalToken }, signal: AbortSignal.timeout(3000) });
    } catch (error) {
      throw new Error(`control at ${this.controlUrl} is unreachable (${(error as Error).message}): check INVORTO_CONTROL_URL`);
    }
    const body = await response.json().catch(() => ({})) as Record<string, unknown>;
    if (!response.ok) throw new Error(`control refused agent "${agentId}" of tenant "${tenantId}": ${String(body.error ?? response.status)}`);
    const problems = validateAgentConfig(body);
    if (problems.length) throw new Error(`agent "${agentId}" from control is invalid: ${problems.join('; ')}`);
    return body as unknown as AgentConfig;
  }
}

/** No control service: every call gets the demo agent (or the one given). */
export class StaticAgentSource implements AgentSource {
  constructor(private readonly agent: AgentConfig = demoAgent('default')) {}
  async get(): Promise<AgentConfig> {
    return this.agent;
  }

  /** Without control there are no tenant API keys: media sockets need a signed token. */
  async tenantForApiKey(): Promise<string | null> {
    return null;
  }
}
