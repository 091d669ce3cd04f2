import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControl, type RunningControl } from '../src/start-control.ts';

describe('control HTTP API on the embedded database', () => {
  let dir: string;
  let control: RunningControl;
  let apiKey: string;
  const internalToken = 'test-internal-token';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'invorto-control-'));
    control = await startControl({ host: '127.0.0.1', port: 0, dataDir: dir, internalToken });
    apiKey = control.newApiKey!;
  });
  afterAll(async () => {
    await control.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const api = (path: string, init: RequestInit = {}, key = apiKey) =>
    fetch(`${control.url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers } });

  it('answers /health without auth', async () => {
    const response = await fetch(`${control.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', service: 'control' });
  });

  it('seeds a default tenant with a key and the demo agent on first start only', async () => {
    expect(apiKey).toMatch(/^ivk_/);
    const response = await api('/v1/agents');
    const { agents } = await response.json();
    expect(agents.map((a: { id: string }) => a.id)).toEqual(['demo']);
    await control.close();
    control = await startControl({ host: '127.0.0.1', port: 0, dataDir: dir, internalToken });
    expect(control.newApiKey).toBeNull();
    expect((await api('/v1/agents/demo')).status).toBe(200);
  });

  it('refuses requests without a valid key', async () => {
    expect((await fetch(`${control.url}/v1/agents`)).status).toBe(401);
    const wrong = await api('/v1/agents', {}, 'ivk_wrong');
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error).toContain('unknown API key');
  });

  it('creates, reads and deletes an agent, and rejects an invalid one with the field named', async () => {
    const demo = await (await api('/v1/agents/demo')).json();
    const created = await api('/v1/agents/sales', { method: 'PUT', body: JSON.stringify({ ...demo, name: 'Sales' }) });
    expect(created.status).toBe(200);
    expect((await created.json()).id).toBe('sales');
    const bad = await api('/v1/agents/broken', { method: 'PUT', body: JSON.stringify({ ...demo, turn: { silenceMs: 5, eagerness: 0.5 } }) });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toContain('turn.silenceMs');
    const notJson = await api('/v1/agents/x', { method: 'PUT', body: '{not json' });
    expect(notJson.status).toBe(400);
    expect((await api('/v1/agents/sales', { method: 'DELETE' })).status).toBe(200);
    expect((await api('/v1/agents/sales')).status).toBe(404);
  });

  it('serves agents to the edge only with the internal token', async () => {
    const ok = await fetch(`${control.url}/internal/agents/${control.tenantId}/demo`, { headers: { 'x-invorto-internal': internalToken } });
    expect(ok.status).toBe(200);
    expect((await ok.json()).greeting).toBeTruthy();
    const refused = await fetch(`${control.url}/internal/agents/${control.tenantId}/demo`, { headers: { 'x-invorto-internal': 'nope' } });
    expect(refused.status).toBe(401);
  });
});
