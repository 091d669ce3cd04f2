// What a call has used, by the engine, model or voice it was spent on: the usage event reports it (a part per engine,
// so billing prices each at its own engine's rate) and the live budget estimate prices it the same way. LLM tokens
// are counted per request as its provider reported them (the adapter's own count when no report came); TTS
// characters as each sentence goes to the engine, so a sentence cut off by a barge-in counts (it was synthesized);
// ASR seconds as the feed sends them (asr-feed.ts).

export interface AsrUsage {
  provider: string;
  /** Empty: the engine's default model (billing names it). */
  model: string;
  audioS: number;
}

export interface LlmUsage {
  provider: string;
  model: string;
  /** The prompt, cached tokens included. */
  inputTokens: number;
  /** Of `inputTokens`, read from the provider's prompt cache. */
  cachedInputTokens: number;
  outputTokens: number;
}

export interface TtsUsage {
  provider: string;
  /** The voice asked for; empty: the engine's default. */
  voice: string;
  characters: number;
}

/** A call's usage: its totals (LLM input tokens include the cached ones) and, when known, the same per engine. */
export interface UsageReport {
  telephonyS: number;
  asrAudioS: number;
  llmInputTokens: number;
  llmCachedInputTokens?: number;
  llmOutputTokens: number;
  ttsCharacters: number;
  /** The model of the last LLM request. */
  llmModel: string;
  /** Of the LLM totals, what speculative replies that were cancelled unheard used (paid for, never heard). */
  llmSpeculativeRequests?: number;
  llmSpeculativeInputTokens?: number;
  llmSpeculativeOutputTokens?: number;
  /** The totals per engine (ASR), model (LLM), engine and voice (TTS); absent: all on the agent's configured engines. */
  asr?: AsrUsage[];
  llm?: LlmUsage[];
  tts?: TtsUsage[];
}

const sum = <T>(items: readonly T[], of: (item: T) => number) => items.reduce((total, item) => total + of(item), 0);

export class UsageMeter {
  readonly #llm = new Map<string, LlmUsage>();
  readonly #tts = new Map<string, TtsUsage>();
  #llmModel = '';
  #llmTokens = 0;

  /** One LLM request's usage. */
  addLlm(usage: LlmUsage): void {
    const key = `${usage.provider}\u0000${usage.model}`;
    const part = this.#llm.get(key) ?? { provider: usage.provider, model: usage.model, inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 };
    part.inputTokens += usage.inputTokens;
    part.cachedInputTokens += Math.min(usage.cachedInputTokens, usage.inputTokens);
    part.outputTokens += usage.outputTokens;
    this.#llm.set(key, part);
    this.#llmModel = usage.model || this.#llmModel;
    this.#llmTokens += usage.inputTokens + usage.outputTokens;
  }

  /** Text sent to a TTS engine to be synthesized in `voice`. */
  addTts(provider: string, voice: string, characters: number): void {
    const key = `${provider}\u0000${voice}`;
    const part = this.#tts.get(key) ?? { provider, voice, characters: 0 };
    part.characters += characters;
    this.#tts.set(key, part);
  }

  /** LLM tokens in and out so far: what the agent's token budget for the call counts. */
  get llmTokens(): number {
    return this.#llmTokens;
  }

  /** The call's usage: the LLM and TTS parts counted here, `asr` as the feed measured it, `telephonyS` as given. */
  report(telephonyS: number, asr: AsrUsage[]): UsageReport {
    const llm = [...this.#llm.values()].map((part) => ({ ...part }));
    const tts = [...this.#tts.values()].map((part) => ({ ...part }));
    return {
      telephonyS,
      asrAudioS: sum(asr, (a) => a.audioS),
      llmInputTokens: sum(llm, (l) => l.inputTokens),
      llmCachedInputTokens: sum(llm, (l) => l.cachedInputTokens),
      llmOutputTokens: sum(llm, (l) => l.outputTokens),
      ttsCharacters: sum(tts, (t) => t.characters),
      llmModel: this.#llmModel,
      asr, llm, tts,
    };
  }
}

/** Seconds per ASR engine as usage parts: the agent's model on the engine it configured; another engine's default. */
export function asrUsage(secondsByEngine: Iterable<readonly [string, number]>, configured: { provider: string; model?: string }): AsrUsage[] {
  return [...secondsByEngine].map(([provider, audioS]) => ({ provider, model: provider === configured.provider ? configured.model ?? '' : '', audioS }));
}
