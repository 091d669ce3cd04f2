// Picks each stage's provider by name from a map. "auto" means the vendor when its key is set, else the offline engine.
import type { AgentConfig } from '../agents/types.ts';
import type { CallProviders } from '../runtime/call.ts';
import { createDeepgramAsr } from './deepgram/asr.ts';
import { createDeepgramTts } from './deepgram/tts.ts';
import { createOpenAiLlm } from './openai/llm.ts';
import { createFliteTts, createPocketsphinxAsr, createScriptedLlm } from './offline/index.ts';
import type { AsrProvider, LlmClient, TtsProvider } from './types.ts';

export interface ProviderKeys {
  deepgramApiKey: string;
  deepgramBaseUrl: string;
  openaiApiKey: string;
  openaiBaseUrl: string;
  openaiModel: string;
}

type Factory<T> = (keys: ProviderKeys, agent: AgentConfig) => T;

const asrFactories: Record<string, Factory<AsrProvider>> = {
  deepgram: (keys) => createDeepgramAsr({ apiKey: requireKey(keys.deepgramApiKey, 'DEEPGRAM_API_KEY', 'deepgram'), baseUrl: keys.deepgramBaseUrl || undefined }),
  pocketsphinx: () => createPocketsphinxAsr(),
};

const llmFactories: Record<string, Factory<LlmClient>> = {
  openai: (keys) => createOpenAiLlm({ apiKey: requireKey(keys.openaiApiKey, 'OPENAI_API_KEY', 'openai'), baseUrl: keys.openaiBaseUrl || undefined, model: keys.openaiModel || undefined }),
  scripted: (_keys, agent) => createScriptedLlm(agent),
};

const ttsFactories: Record<string, Factory<TtsProvider>> = {
  deepgram: (keys) => createDeepgramTts({ apiKey: requireKey(keys.deepgramApiKey, 'DEEPGRAM_API_KEY', 'deepgram'), baseUrl: keys.deepgramBaseUrl || undefined }),
  flite: () => createFliteTts(),
};

function requireKey(value: string, env: string, provider: string): string {
  if (!value) throw new Error(`provider "${provider}" needs an API key: set ${env}`);
  return value;
}

function pick<T>(stage: string, name: string, auto: string, factories: Record<string, Factory<T>>, keys: ProviderKeys, agent: AgentConfig): T {
  const chosen = name === 'auto' ? auto : name;
  const factory = factories[chosen];
  if (!factory) throw new Error(`agent "${agent.id}": unknown ${stage} provider "${name}" (have: auto, ${Object.keys(factories).join(', ')})`);
  return factory(keys, agent);
}

/** Provider instances are shared by the calls of a node; only the scripted LLM depends on the agent. */
export class ProviderRegistry {
  readonly #shared = new Map<string, unknown>();

  constructor(private readonly keys: ProviderKeys) {}

  forAgent(agent: AgentConfig): CallProviders {
    const { keys } = this;
    const autoAsr = keys.deepgramApiKey ? 'deepgram' : 'pocketsphinx';
    const autoTts = keys.deepgramApiKey ? 'deepgram' : 'flite';
    const autoLlm = keys.openaiApiKey ? 'openai' : 'scripted';
    const llmName = agent.llm.provider === 'auto' ? autoLlm : agent.llm.provider;
    return {
      asr: this.#cached(`asr:${agent.asr.provider === 'auto' ? autoAsr : agent.asr.provider}`, () => pick('asr', agent.asr.provider, autoAsr, asrFactories, keys, agent)),
      tts: this.#cached(`tts:${agent.tts.provider === 'auto' ? autoTts : agent.tts.provider}`, () => pick('tts', agent.tts.provider, autoTts, ttsFactories, keys, agent)),
      llm: llmName === 'scripted' ? pick('llm', llmName, autoLlm, llmFactories, keys, agent) : this.#cached(`llm:${llmName}`, () => pick('llm', llmName, autoLlm, llmFactories, keys, agent)),
    };
  }

  #cached<T>(key: string, create: () => T): T {
    if (!this.#shared.has(key)) this.#shared.set(key, create());
    return this.#shared.get(key) as T;
  }
}
