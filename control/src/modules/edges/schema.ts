// Edges as their heartbeats report them, and as the API lists them.
import { Type, type Static } from 'typebox';

export const Heartbeat = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200, description: 'the edge id (INVORTO_EDGE_ID, else hostname:port)' }),
  address: Type.String({ maxLength: 500, description: 'where the edge is reached' }),
  version: Type.String({ maxLength: 100 }),
  activeCalls: Type.Integer({ minimum: 0 }),
  cpu: Type.Number({ minimum: 0, description: 'CPU use of the edge process since its last heartbeat, percent of one core' }),
  draining: Type.Optional(Type.Boolean({ description: 'the edge is draining: it takes no new calls' })),
  bootedAt: Type.Optional(Type.Integer({ minimum: 0, description: 'when the edge process started, epoch ms: a later one means the edge restarted, and its calls that started before are gone' })),
}, { additionalProperties: false });
export type Heartbeat = Static<typeof Heartbeat>;

export const EdgeState = Type.Union([Type.Literal('up'), Type.Literal('draining'), Type.Literal('lost')]);

export const EdgeBody = Type.Object({
  id: Type.String(), address: Type.String(), version: Type.String(),
  state: EdgeState,
  activeCalls: Type.Integer(), cpu: Type.Number(),
  firstSeenAt: Type.String({ format: 'date-time' }), lastSeenAt: Type.String({ format: 'date-time' }),
  lostAt: Type.Unsafe<string | null>({ type: ['string', 'null'], format: 'date-time' }),
}, { $id: 'Edge', additionalProperties: false });
export type EdgeBody = Static<typeof EdgeBody>;

export const EdgeList = Type.Object({ edges: Type.Array(Type.Ref('Edge')) }, { additionalProperties: false });

export const HeartbeatAnswer = Type.Object({
  state: EdgeState,
  lostAfterS: Type.Number({ description: 'without a heartbeat for this long the edge is marked lost' }),
}, { additionalProperties: false });
