// The two HTTP faces of control. The public API (tenants' people and machines, the dashboard) is documented by its
// own schemas at /openapi.json and /docs. The internal API (edges: agent and number look-ups, heartbeats) is a
// separate Fastify instance on its own listener, loopback by default, so it is never reachable on the public port.
import { createHash } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ControlContext } from './context.ts';
import { buildValidator } from './plugins/validation.ts';
import { ErrorBody, registerErrorHandling } from './plugins/errors.ts';
import { publicModules, internalModules } from './modules/index.ts';
import { serveDashboard } from './plugins/dashboard.ts';

export type ControlApp = FastifyInstance<Server, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

function baseApp(ctx: ControlContext, face: 'public' | 'internal'): ControlApp {
  const app = Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    bodyLimit: ctx.settings.bodyLimitBytes,
    // Requests are not logged one by one (an edge's look-ups would flood the log); errors are.
    logController: new LogController({ disableRequestLogging: true }),
    schemaController: { compilersFactory: { buildValidator } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.decorateRequest('principal', null);
  ctx.metrics.http.instrument(app, face);
  // Every documented route, as OpenAPI names it ("GET /v1/agents/{id}"): the OpenAPI test checks none is missing.
  app.addHook('onRoute', (route) => {
    if ((route.schema as { hide?: boolean } | undefined)?.hide) return;
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') ctx.routes.push(`${face} ${method} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
    }
  });
  app.addSchema(ErrorBody);
  registerErrorHandling(app);
  return app;
}

/** Rate limits are per credential (the API key or the access token presented), else per client address. */
function rateKey(request: { headers: Record<string, unknown>; ip: string }): string {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && authorization) return `cred:${createHash('sha256').update(authorization).digest('base64url').slice(0, 22)}`;
  return `ip:${request.ip}`;
}

export async function buildPublicApp(ctx: ControlContext): Promise<ControlApp> {
  const app = baseApp(ctx, 'public');
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Invorto control API', version: '1.0.0', description: 'Tenants, people, API keys, agents and their versions, phone numbers, calls and edges.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an access token from POST /v1/auth/login, or an API key (ivk_…)' } } },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(rateLimit, { global: true, max: ctx.settings.rateLimitPerMin, timeWindow: 60_000, keyGenerator: rateKey });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok', service: 'control' }));
  for (const module of publicModules) await app.register(module, { ctx });
  await serveDashboard(app); // the web dashboard at `/`, when it has been built
  return app;
}

/**
 * Internal routes that take no token. /metrics is open, as the edge's is, so Prometheus needs no secret (the internal
 * token would also let it read agents). Like the edge's, it is kept from the internet by what can reach it: the
 * Ingress sends control's whole public port to the internet, so /metrics is here instead, on the port that binds
 * loopback by default, is in no Ingress, and in Kubernetes takes only edges and Prometheus (the NetworkPolicy).
 */
const OPEN_INTERNAL_ROUTES = new Set(['/health', '/metrics']);

export async function buildInternalApp(ctx: ControlContext, internalToken: string): Promise<ControlApp> {
  const app = baseApp(ctx, 'internal');
  const expected = createHash('sha256').update(internalToken).digest();
  app.addHook('onRequest', async (request, reply) => {
    if (OPEN_INTERNAL_ROUTES.has(request.routeOptions.url ?? '')) return;
    const presented = createHash('sha256').update(String(request.headers['x-invorto-internal'] ?? '')).digest();
    if (!internalToken || !presented.equals(expected)) return reply.status(401).send({ error: 'bad internal token (x-invorto-internal)', code: 'unauthorized' });
  });
  app.get('/health', async () => ({ status: 'ok', service: 'control-internal' }));
  app.get('/metrics', async (_request, reply) => {
    reply.type(ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
  for (const module of internalModules) await app.register(module, { ctx });
  return app;
}
