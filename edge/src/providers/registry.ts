// Picks each stage's provider by name from a map. "auto" means the vendor when its key is set, else the offline
// engine. Vendor SDKs load only when a vendor is used, so an offline node never loads them.
import { createHash } from 'node:crypto';
import type { AgentConfig } from '../agents/types.ts';
import type { CallProviders } from '../runtime/call.ts';
import { createFliteTts, createPocketsphinxAsr, createScriptedLlm } from './offline/index.ts';
import { EngineChain } from './resilience/engine-chain.ts';
import { failoverAsr } from './resilience/failover-asr.ts';
import { failoverTts } from './resilience/failover-tts.ts';
import { ProviderBreakers } from './resilience/policies.ts';
import { cachedTts } from './tts-cache/cached-tts.ts';
import type { PhraseCache } from './tts-cache/phrase-cache.ts';
import { resilientLlm } from './resilience/resilient-llm.ts';
import type { AsrProvider, AsrSession, LlmClient, TtsProvider, TtsSession } from './types.ts';

export interface ProviderKeys {
  deepgramApiKey: string;
  deepgramBaseUrl: string;
  openaiApiKey: string;
  openaiBaseUrl: string;
  openaiModel: string;
}

type Factory<T> = (keys: ProviderKeys, agent: AgentConfig) => Promise<T> | T;

const asrFactories: Record<string, Factory<AsrProvider>> = {
  deepgram: async (keys) => (await import('./deepgram/asr.ts')).createDeepgramAsr({ apiKey: requireKey(keys.deepgramApiKey, 'DEEPGRAM_API_KEY', 'deepgram'), baseUrl: keys.deepgramBaseUrl || undefined }),
  // Flux models the caller's turn; its thresholds are the agent's (asr.flux), so each setting has its own provider.
  'deepgram-flux': async (keys, agent) => (await import('./deepgram/flux-asr.ts')).createDeepgramFluxAsr({ apiKey: requireKey(keys.deepgramApiKey, 'DEEPGRAM_API_KEY', 'deepgram-flux'), baseUrl: keys.deepgramBaseUrl || undefined, ...agent.asr.flux }),
  pocketsphinx: async (_keys, agent) => {
    const provider = createPocketsphinxAsr({ phrases: agentPhrases(agent) });
    await provider.prepare?.();
    return provider;
  },
  stream: async (_keys, agent) => (await import('./stream/asr.ts')).createStreamAsr({ url: requireUrl(agent.asr.url, agent, 'asr') }),
};

const llmFactories: Record<string, Factory<LlmClient>> = {
  openai: async (keys) => (await import('./openai/llm.ts')).createOpenAiLlm({ apiKey: requireKey(keys.openaiApiKey, 'OPENAI_API_KEY', 'openai'), baseUrl: keys.openaiBaseUrl || undefined, model: keys.openaiModel || undefined }),
  scripted: (_keys, agent) => createScriptedLlm(agent),
};

const ttsFactories: Record<string, Factory<TtsProvider>> = {
  deepgram: async (keys) => (await import('./deepgram/tts.ts')).createDeepgramTts({ apiKey: requireKey(keys.deepgramApiKey, 'DEEPGRAM_API_KEY', 'deepgram'), baseUrl: keys.deepgramBaseUrl || undefined }),
  flite: () => createFliteTts(),
  stream: async (_keys, agent) => (await import('./stream/tts.ts')).createStreamTts({ url: requireUrl(agent.tts.url, agent, 'tts') }),
};

/** What callers of an agent are likely to say: its intents' keywords, and the words of its replies. */
function agentPhrases(agent: AgentConfig): string[] {
  return agent.intents.flatMap((intent) => [...intent.match.filter((m) => !m.startsWith('/')), intent.reply]);
}

/** The engines that need no key and no network: every vendor falls back to these. */
const OFFLINE = { asr: 'pocketsphinx', tts: 'flite' } as const;

function requireUrl(url: string | undefined, agent: AgentConfig, stage: string): string {
  if (!url) throw new Error(`agent "${agent.id}": "${stage}.provider" is "stream" but "${stage}.url" (the engine's ws:// URL) is not set`);
  return url;
}

function requireKey(value: string, env: string, provider: string): string {
  if (!value) throw new Error(`provider "${provider}" needs an API key: set ${env}`);
  return value;
}

function resolveName(stage: string, name: string, auto: string, factories: Record<string, unknown>, agent: AgentConfig): string {
  const chosen = name === 'auto' ? auto : name;
  if (!(chosen in factories)) throw new Error(`agent "${agent.id}": unknown ${stage} provider "${name}" (have: auto, ${Object.keys(factories).join(', ')})`);
  return chosen;
}

/** Provider instances are shared by the calls of a node; the ones that depend on the agent are keyed by it. */
export class ProviderRegistry {
  /** The breakers of this node's engines, and its retries and fallbacks as events (metrics observe them). */
  readonly resilience = new ProviderBreakers();
  readonly #shared = new Map<string, Promise<unknown>>();

  /** `phraseCache`: synthesized phrases shared by the node's calls (every TTS provider is wrapped with it). */
  constructor(private keys: ProviderKeys, private readonly phraseCache?: PhraseCache) {}

  /**
   * New keys (a SIGHUP reload) for the calls that start from now on: the providers made with the old ones are
   * dropped from the node's cache, while calls in progress keep the sessions they hold.
   */
  reloadKeys(keys: ProviderKeys): void {
    this.keys = { ...keys };
    this.#shared.clear();
  }

  /**
   * Loads before the first call what calls will need: an agent known at start gets its providers made, else the
   * vendor SDKs the keys select are imported. Loading them takes a second or more, and a node's first calls would
   * otherwise wait for it with their callers' audio held back.
   */
  async warm(agent: AgentConfig | null): Promise<void> {
    if (agent) {
      await this.forAgent(agent);
      return;
    }
    const { keys } = this;
    await Promise.all([
      keys.deepgramApiKey ? import('./deepgram/asr.ts') : null,
      keys.deepgramApiKey ? import('./deepgram/tts.ts') : null,
      keys.openaiApiKey ? import('./openai/llm.ts') : null,
    ]);
  }

  async forAgent(agent: AgentConfig): Promise<CallProviders> {
    const { keys } = this;
    const asr = resolveName('asr', agent.asr.provider, keys.deepgramApiKey ? 'deepgram' : 'pocketsphinx', asrFactories, agent);
    const tts = resolveName('tts', agent.tts.provider, keys.deepgramApiKey ? 'deepgram' : 'flite', ttsFactories, agent);
    const llm = resolveName('llm', agent.llm.provider, keys.openaiApiKey ? 'openai' : 'scripted', llmFactories, agent);
    const agentKey = `${agent.tenantId}/${agent.id}/${createHash('sha1').update(JSON.stringify(agent.intents)).digest('hex')}`;
    const asrKey = (name: string) => (name === 'pocketsphinx' ? `asr:${name}:${agentKey}` : name === 'stream' ? `asr:stream:${agent.asr.url}`
      : name === 'deepgram-flux' ? `asr:${name}:${JSON.stringify(agent.asr.flux ?? {})}` : `asr:${name}`);
    const asrOf = (name: string) => this.#cached(asrKey(name), () => asrFactories[name](keys, agent));
    // Each TTS has its own phrase cache entries (the cache key names the provider), so it wraps each, not the chain.
    const ttsOf = (name: string) => this.#cached(name === 'stream' ? `tts:stream:${agent.tts.url}` : `tts:${name}`, async () => {
      const provider = await ttsFactories[name](keys, agent);
      return this.phraseCache ? cachedTts(provider, this.phraseCache) : provider;
    });
    const [asrProvider, offlineAsr, ttsProvider, offlineTts] = await Promise.all([asrOf(asr), asrOf(OFFLINE.asr), ttsOf(tts), ttsOf(OFFLINE.tts)]);
    // Each stage is a chain, the agent's engine first and the offline one after it: a session opens on the first that
    // will (its breaker remembers a dead one), and one lost mid-call is reconnected or replaced by the next.
    const breakers = this.resilience;
    const asrChain = new EngineChain<AsrSession>(asr === OFFLINE.asr ? [asrProvider] : [asrProvider, offlineAsr], { breakers, stage: 'asr' });
    const ttsChain = new EngineChain<TtsSession>(tts === OFFLINE.tts ? [ttsProvider] : [ttsProvider, offlineTts], { breakers, stage: 'tts' });
    return {
      asr: failoverAsr(asrChain),
      tts: failoverTts(ttsChain),
      llm: llm === 'scripted' ? createScriptedLlm(agent) : this.#resilient(await this.#cached(`llm:${llm}`, () => llmFactories[llm](keys, agent)), agent),
    };
  }

  /** A vendor LLM behind its node-wide breaker, with the agent's fallback model and then its offline engine. */
  #resilient(client: LlmClient, agent: AgentConfig): LlmClient {
    return resilientLlm(client, {
      breaker: this.resilience.get(client.name), fallbackModel: agent.llm.fallbackModel, fallback: createScriptedLlm(agent),
      onRetry: () => this.resilience.report('retry', client.name),
      onFallback: () => this.resilience.report('fallback', client.name),
    });
  }

  #cached<T>(key: string, create: () => Promise<T> | T): Promise<T> {
    let entry = this.#shared.get(key);
    if (!entry) {
      entry = Promise.resolve().then(create);
      entry.catch(() => this.#shared.delete(key));
      this.#shared.set(key, entry);
    }
    return entry as Promise<T>;
  }
}
