// The live monitor: `GET /v1/live/calls` (calls in progress), the browser's `GET /v1/live` WebSocket, and on the
// internal listener `GET /internal/live`, the WebSocket of edges that have no Redis. Browsers cannot set headers on
// a WebSocket, so the access token or API key travels as a subprotocol: `new WebSocket(url, ['invorto.live',
// 'bearer.<token>'])`; the server answers with `invorto.live` and never echoes the credential.
import websocket from '@fastify/websocket';
import type { FastifyRequest } from 'fastify';
import type { ControlModule } from '../index.ts';
import { commonErrors, unauthorized } from '../../plugins/errors.ts';
import { principal } from '../../plugins/auth.ts';
import { liveHubFor } from './live-hub.ts';
import { EdgeSockets } from './edge-sockets.ts';
import { serveBrowser } from './browser-socket.ts';
import { LiveCall, LiveCallList } from './schema.ts';

export const LIVE_PROTOCOL = 'invorto.live';
const BEARER_PREFIX = 'bearer.';

/** The credential a browser put in Sec-WebSocket-Protocol, as the Authorization header the REST API reads. */
function credentialFromProtocols(request: FastifyRequest): void {
  if (request.headers.authorization) return;
  const offered = String(request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const credential = offered.find((p) => p.startsWith(BEARER_PREFIX))?.slice(BEARER_PREFIX.length);
  if (!credential) throw unauthorized(`send the access token or API key as a WebSocket subprotocol: ['${LIVE_PROTOCOL}', '${BEARER_PREFIX}<token>']`);
  request.headers.authorization = `Bearer ${credential}`;
}

export const liveRoutes: ControlModule = async (app, { ctx }) => {
  const hub = liveHubFor(ctx);
  app.addSchema(LiveCall);
  app.addSchema(LiveCallList);
  await app.register(websocket, { options: { handleProtocols: (offered) => (offered.has(LIVE_PROTOCOL) ? LIVE_PROTOCOL : false), maxPayload: 4096 } });
  app.addHook('onClose', async () => { await hub.close(); });

  app.get('/v1/live/calls', {
    onRequest: ctx.auth.requireScope('calls:read'),
    schema: { tags: ['live'], summary: 'Calls in progress on every edge, newest first (open one with the GET /v1/live WebSocket)', response: { 200: LiveCallList, ...commonErrors } },
  }, async (request) => {
    const rows = await ctx.database.db.selectFrom('calls')
      .select(['id', 'agent_id', 'edge_id', 'transport', 'from_number', 'to_number', 'started_at'])
      .where('tenant_id', '=', principal(request).tenantId).where('ended_at', 'is', null)
      .orderBy('started_at', 'desc').limit(200).execute();
    return {
      calls: rows.map((r) => ({
        id: r.id, agentId: r.agent_id, edgeId: r.edge_id, transport: r.transport, from: r.from_number, to: r.to_number,
        startedAt: new Date(Number(r.started_at)).toISOString(),
      })),
    };
  });

  app.get('/v1/live', {
    websocket: true,
    onRequest: [async (request) => credentialFromProtocols(request), ctx.auth.requireScope('calls:read')],
    schema: { hide: true },
  }, (socket, request) => serveBrowser(socket, principal(request).tenantId, hub, ctx.database.db));
};

export const liveInternalRoutes: ControlModule = async (app, { ctx }) => {
  const hub = liveHubFor(ctx);
  const edges = new EdgeSockets(hub);
  const removeSource = hub.addSource(edges);
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  app.addHook('onClose', async () => { removeSource(); await edges.close(); });
  // The internal listener's token check (x-invorto-internal) runs before the upgrade, as for every internal route.
  app.get('/internal/live', { websocket: true, schema: { hide: true } }, (socket) => edges.add(socket));
};
