import type { Schemas } from '../../api/client';

export type AgentSettings = Schemas['AgentSettings'];

/** A new agent: offline engines, so it answers a simulated call with no keys configured. */
export const newAgent = {
  name: '', language: 'en-US', systemPrompt: 'You are a helpful voice assistant. Keep answers short.',
  greeting: 'Hello! How can I help you today?', fillers: [], intents: [], fallbackReply: 'Sorry, could you say that again?',
  asr: { provider: 'pocketsphinx' }, llm: { provider: 'scripted' }, tts: { provider: 'flite' },
  turn: { silenceMs: 700, eagerness: 0.5 },
};

/**
 * A settings document as PUT takes it, from one as GET shows it: webhooks show `secretSet`, and a webhook sent
 * without `secret` keeps the stored one.
 */
export function toSettingsIn(config: AgentSettings): Record<string, unknown> {
  const tools = config.tools && {
    ...config.tools,
    webhooks: config.tools.webhooks?.map(({ secretSet: _, ...hook }) => hook),
  };
  return { ...config, ...(tools ? { tools } : {}) };
}

/** The engines the edge's provider registry knows per stage (edge/src/providers/registry.ts). */
export const PROVIDERS = { asr: ['deepgram', 'pocketsphinx', 'stream'], llm: ['openai', 'scripted'], tts: ['deepgram', 'flite', 'stream'] } as const;
