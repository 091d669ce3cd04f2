// A media stream opened with a tenant API key may name a phone number instead of an agent (?number=+1…).
import { describe, expect, it } from 'vitest';
import { StaticAgentSource, type AgentSource, type NumberRoute } from '../src/agents/agent-source.ts';
import { streamAgent } from '../src/agents/stream-agent.ts';

function numbers(routes: Record<string, NumberRoute>, failing = false): AgentSource {
  const fallback = new StaticAgentSource();
  return {
    get: () => fallback.get(),
    tenantForApiKey: async () => null,
    agentForNumber: async (e164) => {
      if (failing) throw new Error('control is unreachable');
      return routes[e164] ?? null;
    },
  };
}

describe('the agent a media stream asks for', () => {
  const source = numbers({ '+14155550100': { tenantId: 'acme', agentId: 'sales' }, '+442071838750': { tenantId: 'other', agentId: 'theirs' } });

  it('is the number\'s agent when the number is the tenant\'s', async () => {
    expect(await streamAgent(source, 'acme', { agent: '', number: '+14155550100' })).toEqual({ agentId: 'sales' });
    expect(await streamAgent(source, 'acme', { agent: 'ignored', number: '14155550100' })).toEqual({ agentId: 'sales' });
  });

  it('is the named agent (default "demo") without a number', async () => {
    expect(await streamAgent(source, 'acme', { agent: 'support', number: '' })).toEqual({ agentId: 'support' });
    expect(await streamAgent(source, 'acme', { agent: '', number: '' })).toEqual({ agentId: 'demo' });
  });

  it('refuses an unknown number, another tenant\'s number (alike), a malformed one, and says so when it cannot look', async () => {
    expect(await streamAgent(source, 'acme', { agent: '', number: '+14155550111' })).toEqual({ status: '404 Not Found', reason: expect.stringContaining('no agent answers +14155550111 in this tenant') });
    expect(await streamAgent(source, 'acme', { agent: '', number: '+442071838750' })).toEqual({ status: '404 Not Found', reason: expect.stringContaining('no agent answers +442071838750 in this tenant') });
    expect(await streamAgent(source, 'acme', { agent: '', number: 'sales' })).toMatchObject({ status: '400 Bad Request' });
    expect(await streamAgent(numbers({}, true), 'acme', { agent: '', number: '+14155550100' })).toMatchObject({ status: '503 Service Unavailable' });
  });
});
