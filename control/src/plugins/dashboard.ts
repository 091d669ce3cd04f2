// Serves the dashboard's build (dashboard/dist) at `/` when it exists: hashed assets as files, and index.html for
// any other GET that is not the API, so a reload on /calls/abc lands in the app (its router takes it from there).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const dashboardDist = fileURLToPath(new URL('../../../dashboard/dist/', import.meta.url));
const notTheApp = /^\/(v1|internal|docs|openapi\.json|health|metrics)(\/|\?|$)/;

export async function serveDashboard(app: FastifyInstance, root = dashboardDist): Promise<void> {
  if (!existsSync(`${root}index.html`)) return;
  await app.register(fastifyStatic, { root, prefix: '/', wildcard: false, index: false });
  app.get('/*', { schema: { hide: true } }, (request, reply) => {
    if (notTheApp.test(request.url)) return reply.callNotFound();
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
}
