// What an agent is: the contract between control (which stores agents) and the edge (which answers calls with them).

export interface ScriptedIntent {
  name: string;
  /** Keywords (case-insensitive, whole words) or regular expressions written as "/pattern/flags". */
  match: string[];
  reply: string;
}

export interface AgentConfig {
  id: string;
  tenantId: string;
  name: string;
  /** BCP-47 language of the conversation, e.g. "en-US". */
  language: string;
  systemPrompt: string;
  /** Spoken as soon as the call starts; empty for none. */
  greeting: string;
  /** Spoken while a slow tool runs, so the line is never dead. */
  fillers: string[];
  asr: { provider: string; model?: string };
  llm: { provider: string; model?: string; temperature?: number };
  tts: { provider: string; voice?: string };
  /** The scripted LLM (offline default) answers from these. */
  intents: ScriptedIntent[];
  fallbackReply: string;
  turn: {
    /** Silence after speech that ends a turn when nothing else decides sooner. */
    silenceMs: number;
    /** 0 = patient (waits longer in ambiguous pauses), 1 = eager. */
    eagerness: number;
  };
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
  return problems;
}
