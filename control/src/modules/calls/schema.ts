// Calls as the API shows them: a summary for lists, the details of one call, and its timeline.
import { Type, type Static } from 'typebox';

type Scalar = 'string' | 'number' | 'integer' | 'boolean';
type ScalarOf<T extends Scalar> = T extends 'string' ? string : T extends 'boolean' ? boolean : number;
/**
 * A value or null as `type: [T, "null"]` rather than TypeBox's anyOf: the serializer writes a type list directly,
 * where an anyOf is validated value by value (a 50-call page took 4.5 ms more to serialize that way).
 */
const Nullable = <T extends Scalar>(type: T, options: { description?: string; format?: string } = {}) =>
  Type.Unsafe<ScalarOf<T> | null>({ type: [type, 'null'], ...options });

export const CallUsage = Type.Object({
  asrAudioS: Type.Number({ description: 'audio sent to speech recognition, seconds' }),
  llmInputTokens: Type.Integer(), llmOutputTokens: Type.Integer(),
  ttsCharacters: Type.Integer(), telephonyS: Type.Number(),
  llmModel: Nullable('string'),
}, { $id: 'CallUsage', additionalProperties: false });

export const CallSummary = Type.Object({
  id: Type.String(),
  agentId: Type.String(),
  agentVersion: Nullable('integer', { description: 'the agent version that answered the call' }),
  edgeId: Nullable('string', { description: 'the edge node that held the call' }),
  transport: Nullable('string', { description: 'twilio | plivo | exotel | telnyx | native | sip' }),
  from: Nullable('string'), to: Nullable('string'),
  startedAt: Type.String({ format: 'date-time' }),
  endedAt: Nullable('string', { format: 'date-time' }),
  outcome: Nullable('string', { description: 'why it ended (caller_hangup, agent_hangup, transferred, error, timeout, drain, edge-lost…); null while in progress' }),
  durationS: Nullable('number'),
  turnCount: Type.Integer(), bargeInCount: Type.Integer(), toolCallCount: Type.Integer(),
  usage: Type.Ref('CallUsage'),
}, { $id: 'CallSummary', additionalProperties: false });
export type CallSummary = Static<typeof CallSummary>;

export const CallList = Type.Object({
  calls: Type.Array(Type.Ref('CallSummary')),
  nextCursor: Nullable('string', { description: 'pass as `cursor` for the next page; null on the last page' }),
}, { additionalProperties: false });

const Ms = (description: string) => Nullable('number', { description });

export const CallTurn = Type.Object({
  index: Type.Integer(),
  callerText: Type.String(), agentText: Type.String(),
  endOfTurnMs: Ms('caller stopped speaking → agent audio started, ms (null for the greeting)'),
  agentSpeakingMs: Ms('first agent audio → reply done, ms'),
  ttfbMs: Type.Object({ asr: Ms('speech recognition time to first byte, ms'), llm: Ms('LLM time to first token, ms'), tts: Ms('TTS time to first audio, ms') }, { additionalProperties: false }),
}, { additionalProperties: false });

export const CallDetails = Type.Object({
  ...CallSummary.properties,
  transcript: Type.Array(Type.Object({ seq: Type.Integer(), at: Type.String({ format: 'date-time' }), speaker: Type.String(), text: Type.String() }, { additionalProperties: false })),
  turns: Type.Array(CallTurn),
  bargeIns: Type.Array(Type.Object({
    seq: Type.Integer(), at: Type.String({ format: 'date-time' }), cause: Type.String(), playedText: Type.String(),
    silenceAfterMs: Ms('caller speech onset → agent audio stopped, ms'),
  }, { additionalProperties: false })),
  toolCalls: Type.Array(Type.Object({
    ref: Type.String(), name: Type.String(), arguments: Type.String({ description: 'JSON, as the LLM gave it' }),
    ok: Nullable('boolean'), result: Nullable('string'), durationMs: Ms('tool run time, ms'),
  }, { additionalProperties: false })),
}, { additionalProperties: false });
export type CallDetails = Static<typeof CallDetails>;

export const CallTimeline = Type.Object({
  callId: Type.String(),
  events: Type.Array(Type.Object({
    seq: Type.Integer(), tsMs: Type.Number(), at: Type.String({ format: 'date-time' }),
    kind: Type.String({ description: 'callStarted, transcript, turn, bargeIn, toolCall, usage, callEnded…' }),
    payload: Type.Record(Type.String(), Type.Unknown(), { description: "the event's fields (proto/timeline.proto)" }),
  }, { additionalProperties: false })),
}, { additionalProperties: false });

export const CallListQuery = Type.Object({
  agent: Type.Optional(Type.String({ maxLength: 200, description: 'only this agent' })),
  outcome: Type.Optional(Type.String({ maxLength: 100, description: 'only calls that ended this way' })),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'started at or after' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'started before' })),
  minDurationS: Type.Optional(Type.Number({ minimum: 0 })),
  maxDurationS: Type.Optional(Type.Number({ minimum: 0 })),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'text in the transcript (caller or agent), case-insensitive' })),
  sort: Type.Optional(Type.Union([Type.Literal('startedAt'), Type.Literal('durationS')], { default: 'startedAt' })),
  order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'desc' })),
  cursor: Type.Optional(Type.String({ maxLength: 500, description: 'nextCursor of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
}, { additionalProperties: false });
export type CallListQuery = Static<typeof CallListQuery>;

export const CallParams = Type.Object({ id: Type.String({ maxLength: 200 }) }, { additionalProperties: false });
