import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControl, type TestControl } from './helpers/test-control.ts';

describe('the OpenAPI document', () => {
  let t: TestControl;
  beforeAll(async () => { t = await startTestControl('sqlite'); });
  afterAll(async () => { await t.close(); });

  it('is served at /openapi.json, validates as OpenAPI 3.1 and lists every public route', async () => {
    const response = await fetch(`${t.url}/openapi.json`);
    expect(response.status).toBe(200);
    const document = await response.json();
    expect(document.openapi).toBe('3.1.0');
    await SwaggerParser.validate(structuredClone(document));
    const documented = new Set(Object.entries(document.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`)));
    const routes = t.control.ctx.routes.filter((r) => r.startsWith('public ')).map((r) => r.slice('public '.length));
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) expect(documented, route).toContain(route);
  });

  it('serves Swagger UI at /docs', async () => {
    const response = await fetch(`${t.url}/docs/`, { redirect: 'follow' });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('swagger');
  });

  it('keeps the internal API off the public port', async () => {
    expect((await t.api('/internal/agents/default/demo')).status).toBe(404);
    expect((await fetch(`${t.internalUrl}/health`)).status).toBe(200);
    expect((await fetch(`${t.internalUrl}/changes?since=0`)).status).toBe(401);
  });
});

describe('responses checked against their documentation', () => {
  let t: TestControl;
  beforeAll(async () => { t = await startTestControl('sqlite'); });
  afterAll(async () => { await t.close(); });

  it('accepts a documented answer and names an undocumented status', async () => {
    const tenant = await (await t.api('/v1/tenant')).json();
    expect(tenant).toMatchObject({ id: 'default', name: 'Default tenant', role: null });
    // Every authenticated route documents 401, so a bad key is checked against the Error schema.
    expect((await t.api('/v1/tenant', { as: 'ivk_nope' })).status).toBe(401);
  });
});
