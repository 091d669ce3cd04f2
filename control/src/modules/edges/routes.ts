// GET /v1/edges (the edges and their state) and, on the internal listener, POST /internal/edges/heartbeat.
import type { ControlModule } from '../index.ts';
import { commonErrors } from '../../plugins/errors.ts';
import { EdgeBody, EdgeList, Heartbeat, HeartbeatAnswer } from './schema.ts';
import { EdgeRepository } from './repository.ts';
import { CallRepository } from '../calls/repository.ts';
import { OperatorCheck } from '../tenants/operator.ts';

export const edgeRoutes: ControlModule = async (app, { ctx }) => {
  app.addSchema(EdgeBody);
  const edges = new EdgeRepository(ctx.database.db);
  const operator = new OperatorCheck(ctx.database.db);
  // Edges are the operator's infrastructure (addresses, load): other tenants see their own calls, not the nodes.
  app.get('/v1/edges', {
    onRequest: [ctx.auth.requireScope('edges:read'), operator.hook("edge nodes are the operator's infrastructure: only the operator tenant may list them")],
    schema: { tags: ['edges'], summary: 'Edge nodes with their state (up, draining, lost), calls in progress and CPU', response: { 200: EdgeList, ...commonErrors } },
  }, async () => ({ edges: await edges.list() }));
};

export const edgeInternalRoutes: ControlModule = async (app, { ctx }) => {
  const edges = new EdgeRepository(ctx.database.db);
  const calls = new CallRepository(ctx.database.db, ctx.database.dialect);
  app.post('/internal/edges/heartbeat', {
    schema: { tags: ['internal'], summary: 'An edge registers or says it is alive', body: Heartbeat, response: { 200: HeartbeatAnswer, 400: commonErrors[400], 401: commonErrors[401] } },
  }, async (request) => {
    const beat = request.body;
    const { state, restarted } = await edges.heartbeat(beat, ctx.now());
    if (restarted) {
      const closed = await calls.closeCallsBeforeBoot(beat.id, beat.bootedAt!, ctx.now());
      if (closed) ctx.log.warn({ edgeId: beat.id, calls: closed }, 'edge restarted: its calls from before the restart are closed as edge-lost');
    }
    return { state, lostAfterS: ctx.settings.edgeLostAfterS };
  });
};
