// What an agent is: the contract between control (which stores agents) and the edge (which answers calls with them).

export interface ScriptedIntent {
  name: string;
  /** Keywords (case-insensitive, whole words) or regular expressions written as "/pattern/flags". */
  match: string[];
  reply: string;
  /** The scripted LLM asks for this tool call (then speaks `reply` after its result). */
  tool?: { name: string; arguments: Record<string, unknown> };
}

/** A customer's HTTP endpoint offered to the LLM as a tool; requests are HMAC-signed with `secret`. */
export interface WebhookToolConfig {
  name: string;
  description: string;
  url: string;
  secret: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
  timeoutMs?: number;
  /** Names of tools whose results this one needs first (run after them, in the same turn). */
  dependsOn?: string[];
}

export interface AgentConfig {
  id: string;
  tenantId: string;
  name: string;
  /** BCP-47 language of the conversation, e.g. "en-US": the one the greeting is in and the call starts in. */
  language: string;
  /**
   * Other languages the agent may switch to when the caller speaks them (detected per final transcript; the ASR
   * then listens in multilingual mode). The voice follows from `tts.voices`.
   */
  languages?: string[];
  systemPrompt: string;
  /** Spoken as soon as the call starts; empty for none. */
  greeting: string;
  /** Spoken while a slow tool runs, so the line is never dead. */
  fillers: string[];
  /** `url`: the engine of a "stream" provider (the provider-stream protocol, docs/provider-stream.md). */
  asr: { provider: string; model?: string; url?: string };
  /** `fallbackModel`: tried on the same provider when `model` keeps failing (then the offline engine answers). */
  llm: { provider: string; model?: string; temperature?: number; fallbackModel?: string };
  /**
   * The agent's voice profile: `voice` for its main language, `voices` per language (BCP-47 tag or primary subtag,
   * e.g. {"es": "aura-2-celeste-es"}) for the others.
   */
  tts: { provider: string; voice?: string; voices?: Record<string, string>; url?: string };
  /** The scripted LLM (offline default) answers from these. */
  intents: ScriptedIntent[];
  fallbackReply: string;
  turn: {
    /** Silence after speech that ends a turn when nothing else decides sooner. */
    silenceMs: number;
    /** 0 = patient (waits longer in ambiguous pauses), 1 = eager. */
    eagerness: number;
    /**
     * "smart" (default) combines the dsp endpoint, the ASR's end-of-speech signals and the words so far;
     * "silence" ends a turn after a fixed `silenceMs` of silence only (the classic baseline, for comparison).
     */
    mode?: 'smart' | 'silence';
  };
  /** Tools the LLM may call. end_call and transfer_call are built in; webhooks are the customer's. */
  tools?: {
    builtins?: ('end_call' | 'transfer_call')[];
    webhooks?: WebhookToolConfig[];
    /** Where transfer_call may send the caller (names or numbers); empty: anywhere the LLM says. */
    transferTargets?: string[];
  };
  /** Token budget of what is sent to the LLM each turn (system prompt, tools and history); default 6000. */
  contextTokens?: number;
  /** LLM tokens (input + output) one call may use; past it the agent answers with `fallbackReply`. Default: no limit. */
  maxCallTokens?: number;
}

/** Checks an agent document from the API or the database; returns a list of problems, each naming the field. */
export function validateAgentConfig(value: unknown): string[] {
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null) return ['agent must be a JSON object'];
  const agent = value as Record<string, unknown>;
  const needString = (key: string) => { if (typeof agent[key] !== 'string') problems.push(`"${key}" must be a string`); };
  ['id', 'tenantId', 'name', 'language', 'systemPrompt', 'greeting', 'fallbackReply'].forEach(needString);
  for (const stage of ['asr', 'llm', 'tts']) {
    const section = agent[stage] as Record<string, unknown> | undefined;
    if (typeof section !== 'object' || section === null || typeof section.provider !== 'string') {
      problems.push(`"${stage}.provider" must be a string (e.g. "auto")`);
    } else if (section.provider === 'stream' && (typeof section.url !== 'string' || !/^wss?:\/\//.test(section.url))) {
      problems.push(`"${stage}.url" must be the engine's ws:// or wss:// URL when "${stage}.provider" is "stream"`);
    }
  }
  if (!Array.isArray(agent.fillers) || agent.fillers.some((f) => typeof f !== 'string')) problems.push('"fillers" must be an array of strings');
  if (!Array.isArray(agent.intents)) problems.push('"intents" must be an array');
  else agent.intents.forEach((intent, i) => {
    const it = intent as Record<string, unknown>;
    if (typeof it?.name !== 'string' || typeof it?.reply !== 'string' || !Array.isArray(it?.match)) {
      problems.push(`"intents[${i}]" needs "name" (string), "match" (array of strings) and "reply" (string)`);
    }
  });
  const turn = agent.turn as Record<string, unknown> | undefined;
  if (typeof turn?.silenceMs !== 'number' || turn.silenceMs < 100 || turn.silenceMs > 5000) problems.push('"turn.silenceMs" must be a number from 100 to 5000');
  if (typeof turn?.eagerness !== 'number' || turn.eagerness < 0 || turn.eagerness > 1) problems.push('"turn.eagerness" must be a number from 0 to 1');
  if (turn?.mode !== undefined && turn.mode !== 'smart' && turn.mode !== 'silence') problems.push('"turn.mode" must be "smart" or "silence"');
  problems.push(...validateTools(agent.tools));
  problems.push(...validateLanguages(agent));
  if (agent.maxCallTokens !== undefined && (typeof agent.maxCallTokens !== 'number' || agent.maxCallTokens < 1)) problems.push('"maxCallTokens" must be a positive number');
  if (agent.contextTokens !== undefined && (typeof agent.contextTokens !== 'number' || agent.contextTokens < 500 || agent.contextTokens > 1_000_000)) {
    problems.push('"contextTokens" must be a number from 500 to 1000000');
  }
  return problems;
}

const BCP47 = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/;

function validateLanguages(agent: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (typeof agent.language === 'string' && !BCP47.test(agent.language)) problems.push(`"language" must be a BCP-47 tag such as "en-US" (got "${agent.language}")`);
  if (agent.languages !== undefined && (!Array.isArray(agent.languages) || agent.languages.some((l) => typeof l !== 'string' || !BCP47.test(l)))) {
    problems.push('"languages" must be an array of BCP-47 tags such as ["en-US", "es-ES"]');
  }
  const voices = (agent.tts as Record<string, unknown> | undefined)?.voices;
  if (voices !== undefined && (typeof voices !== 'object' || voices === null || Array.isArray(voices)
    || Object.entries(voices).some(([tag, voice]) => !BCP47.test(tag) || typeof voice !== 'string' || voice === ''))) {
    problems.push('"tts.voices" must map language tags to voice names, e.g. {"es": "aura-2-celeste-es"}');
  }
  return problems;
}

function validateTools(value: unknown): string[] {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null) return ['"tools" must be an object'];
  const tools = value as Record<string, unknown>;
  const problems: string[] = [];
  const builtins = tools.builtins ?? [];
  if (!Array.isArray(builtins) || builtins.some((b) => b !== 'end_call' && b !== 'transfer_call')) problems.push('"tools.builtins" may list only "end_call" and "transfer_call"');
  const webhooks = tools.webhooks ?? [];
  if (!Array.isArray(webhooks)) return [...problems, '"tools.webhooks" must be an array'];
  webhooks.forEach((hook, i) => {
    const h = hook as Record<string, unknown>;
    if (typeof h?.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(h.name)) problems.push(`"tools.webhooks[${i}].name" must be 1-64 letters, digits, _ or -`);
    if (typeof h?.url !== 'string' || !/^https?:\/\//.test(h.url)) problems.push(`"tools.webhooks[${i}].url" must be an http(s) URL`);
    if (typeof h?.secret !== 'string' || h.secret.length < 16) problems.push(`"tools.webhooks[${i}].secret" must be a string of at least 16 characters`);
    if (typeof h?.description !== 'string') problems.push(`"tools.webhooks[${i}].description" must be a string`);
    if (typeof h?.parameters !== 'object' || h.parameters === null) problems.push(`"tools.webhooks[${i}].parameters" must be a JSON Schema object`);
  });
  if (tools.transferTargets !== undefined && (!Array.isArray(tools.transferTargets) || tools.transferTargets.some((t) => typeof t !== 'string'))) {
    problems.push('"tools.transferTargets" must be an array of strings');
  }
  return problems;
}
