// Control serves the dashboard's build: files as they are, the app for any other page GET (a reload on /calls/x),
// and the API's own JSON 404 for unknown API paths; nothing at all when the dashboard was not built.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { serveDashboard } from '../../control/src/plugins/dashboard.ts';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

async function appWith(files: Record<string, string>) {
  const root = `${mkdtempSync(join(tmpdir(), 'invorto-dist-'))}/`;
  dirs.push(root);
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), body);
  }
  const app = Fastify();
  app.get('/v1/agents', async () => ({ items: [] }));
  app.setNotFoundHandler((request, reply) => reply.status(404).send({ error: `no route ${request.method} ${request.url}`, code: 'not_found' }));
  await serveDashboard(app, root);
  return app;
}

describe('control serving the dashboard', () => {
  it('serves the built files, the app for page URLs, and JSON 404s for unknown API paths', async () => {
    const app = await appWith({ 'index.html': '<!doctype html><title>app</title>', 'assets/main-abc.js': 'console.log(1)' });
    const page = await app.inject('/calls/call-123?tab=cost');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('<title>app</title>');
    expect((await app.inject('/')).body).toContain('<title>app</title>');
    const asset = await app.inject('/assets/main-abc.js');
    expect([asset.statusCode, asset.headers['content-type']]).toEqual([200, expect.stringMatching(/javascript/)]);
    expect((await app.inject('/v1/agents')).json()).toEqual({ items: [] });
    for (const path of ['/v1/nope', '/internal/x', '/openapi.json']) {
      const missing = await app.inject(path);
      expect([path, missing.statusCode, missing.json().code]).toEqual([path, 404, 'not_found']);
    }
    await app.close();
  });

  it('serves nothing when the dashboard has not been built', async () => {
    const app = await appWith({});
    expect((await app.inject('/calls/x')).statusCode).toBe(404);
    expect((await app.inject('/')).json().code).toBe('not_found');
    await app.close();
  });
});
