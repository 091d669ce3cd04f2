// Where the edge gets an agent's config and the agent a dialled number reaches: control's internal API, cached on
// the edge. The cache follows control's change feed (polled every `pollMs`, 2 s by default) and drops what was
// edited, so a warm look-up costs no request on a call's critical path and an edited agent reaches the next call
// within a poll. While control is unreachable, cached look-ups keep answering.
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { validateAgentConfig, type AgentConfig } from '@invorto/proto/agent-config.ts';
import type { Logger } from '../util/log.ts';
import { ChangeFeed, type Change } from './change-feed.ts';

/** The tenant and agent a phone number rings. */
export interface NumberRoute { tenantId: string; agentId: string }

export interface AgentSource {
  get(tenantId: string, agentId: string): Promise<AgentConfig>;
  /** Which tenant's agent an E.164 number ("+14155550123") reaches; null when no tenant has the number. */
  agentForNumber(e164: string): Promise<NumberRoute | null>;
  /** The tenant a tenant API key belongs to, or null when it is not one. */
  tenantForApiKey(key: string): Promise<string | null>;
  close?(): void;
}

export interface ControlAgentSourceOptions {
  /** How often the change feed is polled, ms (default 2000). */
  pollMs?: number;
  /** Per request to control, ms (default 3000). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  log?: Logger;
}

export class ControlAgentSource implements AgentSource {
  readonly #agents = new Map<string, Promise<AgentConfig>>();
  readonly #numbers = new Map<string, Promise<NumberRoute | null>>();
  readonly #options: Required<Omit<ControlAgentSourceOptions, 'log'>> & { log?: Logger };
  readonly #feed: ChangeFeed;
  #started: Promise<void> | null = null;
  #polling: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #failing = false;

  constructor(private readonly controlUrl: string, private readonly internalToken: string, options: ControlAgentSourceOptions = {}) {
    this.#options = { ...options, pollMs: options.pollMs ?? 2000, timeoutMs: options.timeoutMs ?? 3000, fetch: options.fetch ?? ((...args) => fetch(...args)) };
    this.#feed = new ChangeFeed({
      read: async (since) => {
        const response = await this.#internal(`/internal/changes?since=${since}`);
        if (!response.ok) throw new Error(`control answered ${response.status} to /internal/changes (an older control without the change feed?)`);
        return response.json() as Promise<{ changes: Change[]; latest: number }>;
      },
      onChange: (change) => this.#drop(change),
    });
    // Learn the feed's position now, so the first call does not wait for it.
    void this.start();
  }

  /** Follows the change feed (from construction until close()); resolves when the feed's position is first asked. */
  start(): Promise<void> {
    if (!this.#started) {
      this.#started = this.#poll();
      this.#timer = setInterval(() => void this.#poll(), this.#options.pollMs);
      this.#timer.unref();
    }
    return this.#started;
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  async get(tenantId: string, agentId: string): Promise<AgentConfig> {
    await this.start();
    const key = `${tenantId}/${agentId}`;
    let agent = this.#agents.get(key);
    if (!agent) {
      agent = this.#fetchAgent(tenantId, agentId);
      this.#agents.set(key, agent);
      agent.catch(() => { if (this.#agents.get(key) === agent) this.#agents.delete(key); });
    }
    return agent;
  }

  async agentForNumber(e164: string): Promise<NumberRoute | null> {
    await this.start();
    let route = this.#numbers.get(e164);
    if (!route) {
      route = this.#fetchNumber(e164);
      this.#numbers.set(e164, route);
      route.catch(() => { if (this.#numbers.get(e164) === route) this.#numbers.delete(e164); });
    }
    return route;
  }

  async tenantForApiKey(key: string): Promise<string | null> {
    try {
      const response = await this.#options.fetch(`${this.controlUrl}/internal/tenant-for-key`, { headers: { 'x-invorto-internal': this.internalToken, 'x-api-key': key }, signal: AbortSignal.timeout(this.#options.timeoutMs) });
      if (!response.ok) return null;
      return String(((await response.json()) as { tenantId?: string }).tenantId ?? '') || null;
    } catch {
      return null;
    }
  }

  /** One poll of the change feed at a time; a failure keeps the cache (and is logged once until it recovers). */
  #poll(): Promise<void> {
    this.#polling ??= (async () => {
      const baselined = this.#feed.baselined;
      try {
        await this.#feed.poll();
        // Look-ups cached before the feed's position was known may have missed an edit: start them over.
        if (!baselined) this.#drop('reset');
        if (this.#failing) this.#options.log?.info('control change feed reachable again');
        this.#failing = false;
      } catch (error) {
        if (!this.#failing) this.#options.log?.warn({ err: (error as Error).message }, 'control change feed unreachable: serving cached agents until it answers');
        this.#failing = true;
      } finally {
        this.#polling = null;
      }
    })();
    return this.#polling;
  }

  #drop(change: Change | 'reset'): void {
    if (change === 'reset') {
      this.#agents.clear();
      this.#numbers.clear();
    } else if (change.kind === 'agent') this.#agents.delete(`${change.tenantId}/${change.key}`);
    else this.#numbers.delete(change.key);
  }

  async #internal(path: string): Promise<Response> {
    let response: Response;
    try {
      response = await this.#options.fetch(`${this.controlUrl}${path}`, { headers: { 'x-invorto-internal': this.internalToken }, signal: AbortSignal.timeout(this.#options.timeoutMs) });
    } catch (error) {
      throw new Error(`control at ${this.controlUrl} is unreachable (${(error as Error).message}): check INVORTO_CONTROL_URL`);
    }
    if (response.status === 401) throw new Error(`control refused the internal token (${path}): set the same INVORTO_INTERNAL_TOKEN on edge and control`);
    return response;
  }

  async #fetchAgent(tenantId: string, agentId: string): Promise<AgentConfig> {
    const response = await this.#internal(`/internal/agents/${encodeURIComponent(tenantId)}/${encodeURIComponent(agentId)}`);
    const body = await response.json().catch(() => ({})) as Record<string, unknown>;
    if (!response.ok) throw new Error(`control refused agent "${agentId}" of tenant "${tenantId}": ${String(body.error ?? response.status)}`);
    const problems = validateAgentConfig(body);
    if (problems.length) throw new Error(`agent "${agentId}" from control is invalid: ${problems.join('; ')}`);
    return body as unknown as AgentConfig;
  }

  async #fetchNumber(e164: string): Promise<NumberRoute | null> {
    const response = await this.#internal(`/internal/numbers/${encodeURIComponent(e164)}`);
    if (response.status === 404) return null;
    const body = await response.json().catch(() => ({})) as Record<string, unknown>;
    if (!response.ok || typeof body.tenantId !== 'string' || typeof body.agentId !== 'string') {
      throw new Error(`control could not route ${e164}: ${String(body.error ?? response.status)}`);
    }
    return { tenantId: body.tenantId, agentId: body.agentId };
  }
}

/** No control service: every call gets the demo agent (or the one given), whatever agent or number it names. */
export class StaticAgentSource implements AgentSource {
  constructor(private readonly agent: AgentConfig = demoAgent('default')) {}
  async get(): Promise<AgentConfig> {
    return this.agent;
  }

  async agentForNumber(): Promise<NumberRoute | null> {
    return { tenantId: this.agent.tenantId, agentId: this.agent.id };
  }

  /** Without control there are no tenant API keys: media sockets need a signed token. */
  async tenantForApiKey(): Promise<string | null> {
    return null;
  }

  close(): void {}
}
