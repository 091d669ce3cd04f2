// Calls in progress as the live monitor lists them.
import { Type } from 'typebox';

export const LiveCall = Type.Object({
  id: Type.String(),
  agentId: Type.String(),
  edgeId: Type.Union([Type.String(), Type.Null()], { description: 'the edge node holding the call' }),
  transport: Type.Union([Type.String(), Type.Null()]),
  from: Type.Union([Type.String(), Type.Null()]),
  to: Type.Union([Type.String(), Type.Null()]),
  startedAt: Type.String({ format: 'date-time' }),
}, { $id: 'LiveCall', additionalProperties: false });

export const LiveCallList = Type.Object({
  calls: Type.Array(Type.Ref('LiveCall')),
}, { $id: 'LiveCallList', additionalProperties: false });
