// Bodies are taken as sent; the querystring and path are converted where the schema says number or boolean.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { startTestControl, type TestControl } from './helpers/test-control.ts';

describe('request validation', () => {
  let t: TestControl;
  beforeAll(async () => { t = await startTestControl('sqlite'); });
  afterAll(async () => { await t.close(); });
  const { id: _id, tenantId: _tenant, ...settings } = demoAgent('x');

  it('refuses a number sent as a string in a body, naming its path', async () => {
    const response = await t.api('/v1/agents', { method: 'POST', json: { ...settings, turn: { ...settings.turn, eagerness: '0.5' } } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'validation', path: '$.turn.eagerness' });
  });

  it('refuses an unknown body field instead of dropping it', async () => {
    const response = await t.api('/v1/agents', { method: 'POST', json: { ...settings, colour: 'blue' } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'validation', path: '$.colour' });
  });

  it('converts query and path numbers, and refuses ones that are not', async () => {
    const page = await t.api('/v1/agents?limit=1');
    expect(page.status).toBe(200);
    expect((await page.json()).items).toHaveLength(1);
    expect((await t.api('/v1/agents/demo/versions/1')).status).toBe(200);
    const bad = await t.api('/v1/agents?limit=many');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toContain('limit');
  });
});
