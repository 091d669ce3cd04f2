// What an agent is: the contract between control (which stores agents) and the edge (which answers calls with them).
// One TypeBox schema gives the TypeScript type, control's request validation and OpenAPI document, and the edge's
// check of what control returns; the few rules that span fields (a "stream" provider needs its URL) are below it.
import { Type, type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

const BCP47 = '^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$';
const LanguageTag = Type.String({ pattern: BCP47, description: 'BCP-47 language tag, e.g. "en-US"' });
const JsonObject = Type.Record(Type.String(), Type.Unknown());

export const ScriptedIntentSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  match: Type.Array(Type.String(), { description: 'keywords (case-insensitive, whole words) or regular expressions written as "/pattern/flags"' }),
  reply: Type.String(),
  tool: Type.Optional(Type.Object({ name: Type.String({ minLength: 1 }), arguments: JsonObject }, {
    additionalProperties: false, description: 'the scripted LLM asks for this tool call (then speaks `reply` after its result)',
  })),
}, { additionalProperties: false });
export type ScriptedIntent = Static<typeof ScriptedIntentSchema>;

/** A webhook tool's fields other than its secret: control shows these, and takes the secret write-only. */
export const webhookFields = {
  name: Type.String({ pattern: '^[a-zA-Z0-9_-]{1,64}$', description: '1-64 letters, digits, _ or -' }),
  description: Type.String(),
  url: Type.String({ pattern: '^https?://', description: "the customer's http(s) endpoint" }),
  parameters: Type.Record(Type.String(), Type.Unknown(), { description: 'JSON Schema of the arguments object' }),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 60_000 })),
  dependsOn: Type.Optional(Type.Array(Type.String(), { description: 'tools whose results this one needs first (run after them, in the same turn)' })),
};
export const WebhookSecret = Type.String({ minLength: 16, maxLength: 512, description: 'HMAC key the requests are signed with (write-only)' });

/** A customer's HTTP endpoint offered to the LLM as a tool; requests are HMAC-signed with `secret`. */
export const WebhookToolSchema = Type.Object({ ...webhookFields, secret: WebhookSecret }, { additionalProperties: false });
export type WebhookToolConfig = Static<typeof WebhookToolSchema>;

/** How Deepgram Flux (`asr.provider` "deepgram-flux") decides the caller's turn ended; unset fields take Deepgram's defaults. */
const FluxTurnSettings = Type.Object({
  eotThreshold: Type.Optional(Type.Number({ minimum: 0.5, maximum: 0.9, description: 'end-of-turn confidence that ends a turn; Deepgram default 0.7' })),
  eagerEotThreshold: Type.Optional(Type.Number({ minimum: 0.3, maximum: 0.9, description: 'confidence that fires an eager end of turn (a reply may start early); unset: no eager events' })),
  eotTimeoutMs: Type.Optional(Type.Number({ minimum: 500, maximum: 10_000, description: 'silence after speech that ends a turn whatever the confidence; Deepgram default 5000' })),
}, { additionalProperties: false });
/** Deepgram's own eot_threshold when the agent sets none: an eager threshold above it could never fire first. */
const FLUX_DEFAULT_EOT_THRESHOLD = 0.7;

const Builtin = Type.Union([Type.Literal('end_call'), Type.Literal('transfer_call')]);

/**
 * The settings of an agent, with webhooks of the given shape: control takes webhooks with an optional secret
 * (omitted keeps the previous one) and shows them without it; the edge gets them whole.
 */
export function agentFields<W extends TSchema>(webhook: W) {
  return {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    language: Type.String({ pattern: BCP47, description: 'BCP-47 language of the conversation, e.g. "en-US": the greeting is in it and the call starts in it' }),
    languages: Type.Optional(Type.Array(LanguageTag, {
      maxItems: 20, description: 'other languages the agent may switch to when the caller speaks them; the voice follows from tts.voices',
    })),
    systemPrompt: Type.String({ maxLength: 100_000 }),
    greeting: Type.String({ maxLength: 2_000, description: 'spoken as soon as the call starts; empty for none' }),
    fillers: Type.Array(Type.String(), { description: 'spoken while a slow tool runs, so the line is never dead' }),
    asr: Type.Object({
      provider: Type.String({ minLength: 1 }), model: Type.Optional(Type.String()),
      url: Type.Optional(Type.String({ description: 'the engine of a "stream" provider (docs/provider-stream.md)' })),
      flux: Type.Optional(FluxTurnSettings),
    }, { additionalProperties: false }),
    llm: Type.Object({
      provider: Type.String({ minLength: 1 }), model: Type.Optional(Type.String()), temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
      fallbackModel: Type.Optional(Type.String({ description: 'tried on the same provider when `model` keeps failing' })),
    }, { additionalProperties: false }),
    tts: Type.Object({
      provider: Type.String({ minLength: 1 }), voice: Type.Optional(Type.String()),
      voices: Type.Optional(Type.Record(Type.String({ pattern: BCP47 }), Type.String({ minLength: 1 }), {
        additionalProperties: false, description: 'voice per language (BCP-47 tag or primary subtag), e.g. {"es": "aura-2-celeste-es"}',
      })),
      url: Type.Optional(Type.String()),
    }, { additionalProperties: false }),
    intents: Type.Array(ScriptedIntentSchema, { description: 'the scripted LLM (offline default) answers from these' }),
    fallbackReply: Type.String(),
    turn: Type.Object({
      silenceMs: Type.Number({ minimum: 100, maximum: 5000, description: 'silence after speech that ends a turn when nothing else decides sooner' }),
      eagerness: Type.Number({ minimum: 0, maximum: 1, description: '0 = patient, 1 = eager' }),
      mode: Type.Optional(Type.Union([Type.Literal('smart'), Type.Literal('silence')], { description: '"smart" (default) or "silence" (fixed silenceMs only)' })),
      speculative: Type.Optional(Type.Union([Type.Literal('on'), Type.Literal('off')], {
        description: 'on: the reply is prepared (LLM and first TTS audio) as soon as the turn may be over, played once it is confirmed on the same words, cancelled unheard otherwise (docs/runtime.md); default on',
      })),
      overlap: Type.Optional(Type.Union([Type.Literal('pause'), Type.Literal('duck')], {
        description: 'caller sound over the agent: "pause" (default) silences it at once until the sound is weighed; "duck" lowers its voice 12 dB and silences it only for words that are not a backchannel or sound that goes on past 0.6 s (docs/runtime.md)',
      })),
    }, { additionalProperties: false }),
    tools: Type.Optional(Type.Object({
      builtins: Type.Optional(Type.Array(Builtin)),
      webhooks: Type.Optional(Type.Array(webhook)),
      transferTargets: Type.Optional(Type.Array(Type.String(), { description: 'where transfer_call may send the caller; empty: anywhere the LLM says' })),
    }, { additionalProperties: false })),
    contextTokens: Type.Optional(Type.Number({ minimum: 500, maximum: 1_000_000, description: 'token budget of what is sent to the LLM each turn; default 6000' })),
    maxCallTokens: Type.Optional(Type.Number({ minimum: 1, description: 'LLM tokens one call may use; past it the agent answers with fallbackReply' })),
    limits: Type.Optional(Type.Object({
      callCapPaise: Type.Optional(Type.Integer({
        minimum: 0, description: "this agent's per-call cost cap in whole paise (all in, with GST); the edge ends a call with cost-limit at the smaller of this and the tenant's per-call cap",
      })),
    }, { additionalProperties: false, description: "this agent's spending limits, applied under its tenant's (docs/costing.md, Enforcement)" })),
    recording: Type.Optional(Type.Object({
      mode: Type.Union([Type.Literal('off'), Type.Literal('stereo')], { description: 'stereo: every call recorded as a WAV, the caller on the left and what the caller heard of the agent on the right' }),
      encoding: Type.Optional(Type.Union([Type.Literal('mulaw'), Type.Literal('pcm16')], { description: 'G.711 mu-law 8 kHz (default) or PCM16 at the call\'s rate' })),
      retentionDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: "days this agent's artifacts are kept; unset: the tenant's retention" })),
    }, { additionalProperties: false, description: 'call recording and artifact retention (docs/artifacts.md); absent: off' })),
  };
}

export const AgentConfigSchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  tenantId: Type.String({ minLength: 1 }),
  /** The published version control served (a call records the version it ran); absent for agents not from control. */
  version: Type.Optional(Type.Integer({ minimum: 1 })),
  ...agentFields(WebhookToolSchema),
}, { additionalProperties: false });
export type AgentConfig = Static<typeof AgentConfigSchema>;

export interface AgentProblem {
  /** JSON path of the field, e.g. "$.turn.eagerness". */
  path: string;
  /** The field (as "turn.eagerness") and what is wrong with it. */
  message: string;
}

/** What to say of a field whose value is wrong in any way, where the bare schema keyword would not help. */
const HINTS: Record<string, string> = {
  language: 'must be a BCP-47 tag such as "en-US"',
  languages: 'must be an array of BCP-47 tags such as ["en-US", "es-ES"]',
  'tts.voices': 'must map language tags to voice names, e.g. {"es": "aura-2-celeste-es"}',
  fillers: 'must be an array of strings',
  'asr.flux.eotThreshold': 'must be a number from 0.5 to 0.9',
  'asr.flux.eagerEotThreshold': 'must be a number from 0.3 to 0.9, at most asr.flux.eotThreshold',
  'asr.flux.eotTimeoutMs': 'must be a number of milliseconds from 500 to 10000',
  'turn.silenceMs': 'must be a number from 100 to 5000',
  'turn.eagerness': 'must be a number from 0 to 1',
  'turn.mode': 'must be "smart" or "silence"',
  'turn.speculative': 'must be "on" or "off"',
  'turn.overlap': 'must be "pause" or "duck"',
  'tools.builtins': 'may list only "end_call" and "transfer_call"',
  'tools.webhooks[].name': 'must be 1-64 letters, digits, _ or -',
  'tools.webhooks[].url': 'must be an http(s) URL',
  'tools.webhooks[].secret': 'must be a string of at least 16 characters',
  'tools.webhooks[].parameters': 'must be a JSON Schema object',
  contextTokens: 'must be a number from 500 to 1000000',
  maxCallTokens: 'must be a positive number',
  'limits.callCapPaise': 'must be a whole number of paise, 0 or more',
  'recording.mode': 'must be "off" or "stereo"',
  'recording.encoding': 'must be "mulaw" or "pcm16"',
  'recording.retentionDays': 'must be a whole number of days from 1 to 3650',
};

const checker = Compile(AgentConfigSchema);

/** ["tools", "webhooks", "0", "url"] → "tools.webhooks[0].url" */
const fieldName = (parts: string[]) => parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
const jsonPath = (parts: string[]) => `$${parts.map((p) => (/^\d+$/.test(p) ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`)).join('')}`;

/** "/tools/webhooks/0/url" → ["tools", "webhooks", "0", "url"] (JSON Pointer escapes undone). */
const pathParts = (instancePath: string) => instancePath.split('/').filter(Boolean).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));

/** One problem per field: the deepest field with a hint names it, else the field the schema keyword failed on. */
function problemOf(instancePath: string, keyword: string, message: string, params: Record<string, unknown>): AgentProblem[] {
  const parts = pathParts(instancePath);
  if (keyword === 'additionalProperties') {
    return ((params.additionalProperties as string[]) ?? []).map((extra) => {
      const at = [...parts, extra];
      const hinted = hintFor(at);
      return hinted ?? { path: jsonPath(at), message: `unknown field "${fieldName(at)}"` };
    });
  }
  if (keyword === 'required') {
    return ((params.requiredProperties as string[]) ?? []).map((missing) => {
      const at = [...parts, missing];
      return { path: jsonPath(at), message: `"${fieldName(at)}" is required` };
    });
  }
  return [hintFor(parts) ?? { path: jsonPath(parts), message: `"${fieldName(parts)}" ${message}` }];
}

/**
 * What to say of a value refused at `instancePath` ("/limits/callCapPaise") by a schema keyword, when the field or
 * one it lies in has a hint; null otherwise. Control words its request errors on agents with it.
 */
export function agentFieldHint(instancePath: string): AgentProblem | null {
  return hintFor(pathParts(instancePath));
}

function hintFor(parts: string[]): AgentProblem | null {
  for (let n = parts.length; n > 0; n--) {
    const hint = HINTS[parts.slice(0, n).map((p) => (/^\d+$/.test(p) ? '[]' : p)).join('.').replace(/\.\[\]/g, '[]')];
    if (hint) return { path: jsonPath(parts.slice(0, n)), message: `"${fieldName(parts.slice(0, n))}" ${hint}` };
  }
  return null;
}

/** The rules that span fields, on a document the schema accepted (control checks these after its body schema). */
export function crossFieldProblems(agent: Pick<AgentConfig, 'asr' | 'tts' | 'llm' | 'tools'>): AgentProblem[] {
  const problems: AgentProblem[] = [];
  for (const stage of ['asr', 'llm', 'tts'] as const) {
    const section = agent[stage] as { provider: string; url?: string };
    if (section.provider === 'stream' && (typeof section.url !== 'string' || !/^wss?:\/\//.test(section.url))) {
      problems.push({ path: `$.${stage}.url`, message: `"${stage}.url" must be the engine's ws:// or wss:// URL when "${stage}.provider" is "stream"` });
    }
  }
  const flux = agent.asr.flux;
  if (flux?.eagerEotThreshold !== undefined && flux.eagerEotThreshold > (flux.eotThreshold ?? FLUX_DEFAULT_EOT_THRESHOLD)) {
    const eot = flux.eotThreshold === undefined ? `Deepgram's default ${FLUX_DEFAULT_EOT_THRESHOLD} (asr.flux.eotThreshold is unset)` : `"asr.flux.eotThreshold" (${flux.eotThreshold})`;
    problems.push({ path: '$.asr.flux.eagerEotThreshold', message: `"asr.flux.eagerEotThreshold" (${flux.eagerEotThreshold}) must be at most ${eot}: an eager end of turn comes before the end of turn` });
  }
  const names = new Set<string>();
  (agent.tools?.webhooks ?? []).forEach((hook, i) => {
    const name = (hook as { name: string }).name;
    if (names.has(name)) problems.push({ path: `$.tools.webhooks[${i}].name`, message: `"tools.webhooks[${i}].name" repeats the tool "${name}": tool names must be unique` });
    names.add(name);
  });
  return problems;
}

/** Checks an agent document from control or the database; returns the problems, each with its field's JSON path. */
export function agentConfigProblems(value: unknown): AgentProblem[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [{ path: '$', message: 'agent must be a JSON object' }];
  if (checker.Check(value)) return crossFieldProblems(value);
  const seen = new Set<string>();
  const problems: AgentProblem[] = [];
  for (const error of checker.Errors(value)) {
    // A property refused by `additionalProperties: false` is reported twice (as a false schema, then by name).
    if (error.keyword === 'boolean') continue;
    for (const problem of problemOf(error.instancePath, error.keyword, error.message, error.params as Record<string, unknown>)) {
      if (!seen.has(problem.message)) problems.push(problem);
      seen.add(problem.message);
    }
  }
  return problems;
}

/** Checks an agent document; returns a list of problems, each naming the field (empty: valid). */
export function validateAgentConfig(value: unknown): string[] {
  return agentConfigProblems(value).map((p) => p.message);
}
