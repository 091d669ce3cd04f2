// Phone numbers as the API takes and shows them: E.164 ("+" and 7-15 digits), each ringing one agent.
import { Type, type Static } from 'typebox';

export const E164_PATTERN = '^\\+[1-9]\\d{6,14}$';
const E164 = Type.String({ pattern: E164_PATTERN, description: 'E.164, e.g. "+14155550123" (in a path: %2B14155550123)' });
const AgentRef = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'the agent calls to this number reach' });
const Label = Type.String({ maxLength: 200 });

export const NumberBody = Type.Object({
  number: Type.String(),
  agentId: Type.String(),
  label: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
}, { $id: 'PhoneNumber', additionalProperties: false });
export type NumberBody = Static<typeof NumberBody>;

export const NumberCreate = Type.Object({ number: E164, agentId: AgentRef, label: Type.Optional(Label) }, { additionalProperties: false });
export type NumberCreate = Static<typeof NumberCreate>;
export const NumberUpdate = Type.Object({ agentId: Type.Optional(AgentRef), label: Type.Optional(Type.Union([Label, Type.Null()])) }, { additionalProperties: false });
export type NumberUpdate = Static<typeof NumberUpdate>;

export const NumberParams = Type.Object({ number: E164 });
export const NumberListQuery = Type.Object({
  agentId: Type.Optional(Type.String({ maxLength: 64, description: 'only the numbers of this agent' })),
  cursor: Type.Optional(Type.String({ maxLength: 1000, description: 'nextCursor of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
}, { additionalProperties: false });
export type NumberListQuery = Static<typeof NumberListQuery>;

export const NumberList = Type.Object({
  items: Type.Array(Type.Ref('PhoneNumber')),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'pass as `cursor` for the next page; null on the last' }),
}, { additionalProperties: false });
