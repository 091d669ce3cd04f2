// What an agent is: everything the edge needs to answer a call on its behalf. Stored by control, fetched per call.

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
