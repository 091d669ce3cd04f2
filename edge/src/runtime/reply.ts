// One agent reply: streams the LLM (running the tools it asks for, round after round), cuts its text into sentences,
// speaks each through TTS, and keeps per sentence how much audio it became, so that a barge-in can leave in the
// context only what the caller heard. Cancelling the reply aborts the LLM stream, every tool still running, and
// any tool not yet started: a tool from an interrupted generation never runs.
import type { ChatMessage, EngineChange, LlmClient, ToolCallRequest, TtsSession } from '../providers/types.ts';
import { executeTools, toolMessageContent, type ToolRegistry } from '../tools/executor.ts';
import type { ToolOutcome } from '../tools/types.ts';
import { SentenceChunker } from './sentence-chunker.ts';
import { toSpokenText } from './spoken-text.ts';
import type { LlmUsage } from './usage-meter.ts';

export interface ReplyHooks {
  /** Called once, when the LLM produced its first text. */
  /** `provider`: the engine that answered when it was not the client's own (a fallback). */
  onFirstToken(provider?: string): void;
  /** All TTS audio of the reply has been queued (the last `flushed` arrived). */
  onSpoken(): void;
  onError(stage: 'llm' | 'tts', error: Error): void;
  onToolCall?(call: ToolCallRequest): void;
  onToolResult?(outcome: ToolOutcome): void;
  /** The LLM stream was cut mid-answer and goes on from its last complete sentence. */
  onFailover?(change: EngineChange): void;
  /** May another sentence go to TTS now? (The speaker says no while much audio is already queued.) */
  canSpeak?(): boolean;
  /** An LLM request's usage, as its provider reported it; also for a request a barge-in cut short. */
  onLlmUsage?(usage: LlmUsage): void;
  /** Characters sent to TTS (sentences later cut off included: they were synthesized). */
  onTtsCharacters?(characters: number): void;
}

export interface ReplyTools {
  registry: ToolRegistry;
  callId: string;
  /** Tool name -> names of the tools whose results it needs first. */
  dependsOn: Record<string, string[]>;
  /** Said once when tools have run this long without the LLM having said anything (so the line is never dead). */
  filler: () => string | null;
  fillerAfterMs: number;
  maxRounds: number;
}

interface Sentence { text: string; sequence: number; audioBytes: number; flushed: boolean }

/** Speech runs at about 14 characters a second: the length of a sentence whose audio has not all arrived. */
const CHARACTERS_PER_SECOND = 14;

/** Sentences being synthesized at once: TTS works through them in order, so more only queue at the provider. */
const MAX_IN_FLIGHT = 2;

export class Reply {
  readonly #abort = new AbortController();
  readonly #sentences: Sentence[] = [];
  readonly #waiting: string[] = [];
  #played = 0;
  #llmDone = false;
  #spokenReported = false;
  #fullText = '';
  /** Tool calls and their results that completed: they belong in the context whatever the caller heard. */
  readonly toolExchanges: ChatMessage[] = [];
  /** A speculative reply's tools wait here until the caller's turn is confirmed (resolved: they may run). */
  #toolsAllowed: Promise<void> = Promise.resolve();
  #allowTools: () => void = () => {};

  constructor(readonly index: number, private readonly tts: TtsSession, private readonly hooks: ReplyHooks) {}

  get text(): string {
    return this.#fullText.trim();
  }

  get cancelled(): boolean {
    return this.#abort.signal.aborted;
  }

  /** Speaks fixed text (greeting, notices, a repeated sentence) without an LLM. */
  speakText(text: string): void {
    this.#fullText = text;
    this.#speak(text);
    this.#llmDone = true;
    this.#maybeSpoken();
  }

  async generate(llm: LlmClient, messages: ChatMessage[], options: { model?: string; temperature?: number }, tools?: ReplyTools): Promise<void> {
    let first = true;
    const onText = (text: string, provider?: string) => {
      if (first) { first = false; this.hooks.onFirstToken(provider); }
      this.#fullText += text;
    };
    try {
      let request = messages;
      for (let round = 0; round < (tools?.maxRounds ?? 1); round++) {
        const calls = await this.#streamRound(llm, request, options, tools, onText);
        if (this.cancelled || calls.length === 0 || !tools) return;
        const exchange = await this.#runTools(calls, tools);
        if (!exchange) return;
        request = [...request, ...exchange];
      }
    } catch (error) {
      if (!this.cancelled) this.hooks.onError('llm', error as Error);
    } finally {
      this.#llmDone = true;
      this.#maybeSpoken();
    }
  }

  /** TTS audio of this reply: it belongs to the oldest sentence whose flush has not come back. */
  addAudio(bytes: number): void {
    const sentence = this.#sentences.find((s) => !s.flushed);
    if (sentence) sentence.audioBytes += bytes;
  }

  /** The TTS session reports that audio up to flush `sequence` has been delivered; returns its sentence. */
  takeFlushed(sequence: number): string | null {
    const sentence = this.#sentences.find((s) => s.sequence === sequence);
    if (!sentence || sentence.flushed) return null;
    for (const s of this.#sentences) {
      if (s.sequence <= sequence) s.flushed = true;
    }
    this.pump();
    this.#maybeSpoken();
    return sentence.text;
  }

  /** The outbound queue played a sentence to its end. */
  sentencePlayed(): void {
    this.#played = Math.min(this.#played + 1, this.#sentences.length);
  }

  /** The sentence playing now (the first not played to its end), for repeating it after a failed interruption. */
  get currentSentence(): string | null {
    return this.#sentences[this.#played]?.text ?? null;
  }

  cancel(): void {
    this.#abort.abort();
    this.#allowTools(); // a held tool round wakes, sees the cancel and runs nothing
  }

  /** Speculative: tools the LLM asks for wait (not run, not announced) until `confirm`. */
  holdTools(): void {
    this.#toolsAllowed = new Promise((resolve) => { this.#allowTools = resolve; });
  }

  /** The caller's turn is confirmed on this reply's words: held tools may run. */
  confirm(): void {
    this.#allowTools();
  }

  /**
   * What the caller heard: the sentences played to their end, plus the words of the current one that its played
   * frames cover (by its real audio length when all of it arrived, else by a speaking rate).
   */
  heardText(framesIntoSentence: number, frameBytes: number, frameMs: number): string {
    const played = this.#sentences.slice(0, this.#played).map((s) => s.text);
    const current = this.#sentences[this.#played];
    if (current && framesIntoSentence > 0) {
      const totalFrames = current.flushed && current.audioBytes > 0
        ? current.audioBytes / frameBytes
        : (current.text.length / CHARACTERS_PER_SECOND) * (1000 / frameMs);
      const fraction = Math.min(1, framesIntoSentence / Math.max(1, totalFrames));
      const words = current.text.split(/\s+/).filter(Boolean);
      // Words are heard in proportion to their length, and a word counts once the caller heard most of it.
      let characters = fraction * current.text.length;
      const heard: string[] = [];
      for (const word of words) {
        if (characters < word.length * 0.6) break;
        heard.push(word);
        characters -= word.length + 1;
      }
      if (heard.length) played.push(heard.join(' '));
    }
    return played.join(' ').trim();
  }

  async #streamRound(
    llm: LlmClient, messages: ChatMessage[], options: { model?: string; temperature?: number }, tools: ReplyTools | undefined, onText: (text: string, provider?: string) => void,
  ): Promise<ToolCallRequest[]> {
    const chunker = new SentenceChunker();
    const calls: ToolCallRequest[] = [];
    const definitions = tools?.registry.definitions();
    for await (const chunk of llm.stream({ messages, tools: definitions?.length ? definitions : undefined, model: options.model, temperature: options.temperature, signal: this.#abort.signal })) {
      if (chunk.type === 'usage') {
        const { provider = llm.name, model, inputTokens, cachedInputTokens = 0, outputTokens } = chunk;
        this.hooks.onLlmUsage?.({ provider, model, inputTokens, cachedInputTokens, outputTokens });
      }
      // A cancelled stream is read on to its end (it was aborted, so that is at once) for the usage it reports.
      if (this.cancelled || chunk.type === 'usage') continue;
      if (chunk.type === 'text') {
        onText(chunk.text, chunk.provider);
        for (const sentence of chunker.push(chunk.text)) this.#speak(sentence);
      } else if (chunk.type === 'tool_call') {
        calls.push(chunk.call);
      } else {
        this.hooks.onFailover?.(chunk);
      }
    }
    if (this.cancelled) return [];
    for (const sentence of chunker.flush()) this.#speak(sentence);
    return calls;
  }

  /** Runs one round's tool calls; null when the reply was cancelled meanwhile (nothing half-done is kept). */
  async #runTools(calls: ToolCallRequest[], tools: ReplyTools): Promise<ChatMessage[] | null> {
    await this.#toolsAllowed;
    if (this.cancelled) return null;
    for (const call of calls) this.hooks.onToolCall?.(call);
    const spokeThisRound = this.#sentences.length;
    const filler = setTimeout(() => {
      const text = this.#sentences.length === spokeThisRound ? tools.filler() : null;
      if (text && !this.cancelled) { this.#fullText += `${this.#fullText ? ' ' : ''}${text} `; this.#speak(text); }
    }, tools.fillerAfterMs);
    let outcomes: ToolOutcome[];
    try {
      const requests = calls.map((call) => ({
        id: call.id, name: call.name, argumentsJson: call.argumentsJson,
        dependsOn: calls.filter((other) => (tools.dependsOn[call.name] ?? []).includes(other.name)).map((other) => other.id),
      }));
      outcomes = await executeTools(tools.registry, requests, { callId: tools.callId, signal: this.#abort.signal });
    } finally {
      clearTimeout(filler);
    }
    for (const outcome of outcomes) this.hooks.onToolResult?.(outcome);
    const exchange: ChatMessage[] = [
      { role: 'assistant', content: '', toolCalls: calls },
      ...outcomes.map((outcome): ChatMessage => ({ role: 'tool', toolCallId: outcome.id, content: toolMessageContent(outcome) })),
    ];
    // Tools that finished did what they did, even if the caller cut in meanwhile: the context keeps them. An
    // exchange with a cancelled call is dropped whole (the LLM must not believe a half-run round happened).
    const interrupted = outcomes.some((o) => !o.ok && o.error.kind === 'cancelled');
    if (!interrupted) this.toolExchanges.push(...exchange);
    return this.cancelled ? null : exchange;
  }

  /** Sentences waiting for TTS (flow control holds them while enough audio is already ahead). */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Sends waiting sentences to TTS while it may: at most MAX_IN_FLIGHT being synthesized, and only while the
   * speaker's gate says the audio already queued is not too far ahead, so a long reply cannot flood memory.
   */
  pump(): void {
    while (this.#waiting.length && !this.cancelled) {
      const inFlight = this.#sentences.filter((s) => !s.flushed).length;
      if (inFlight >= MAX_IN_FLIGHT || !(this.hooks.canSpeak?.() ?? true)) return;
      this.#send(this.#waiting.shift()!);
    }
  }

  #speak(sentence: string): void {
    if (this.cancelled) return;
    this.#waiting.push(sentence);
    this.pump();
  }

  /** TTS gets the sentence as it should be spoken (amounts, numbers, dates in words; no markdown); the context keeps the text. */
  #send(sentence: string): void {
    const spoken = toSpokenText(sentence);
    if (!spoken) return;
    try {
      this.tts.speak(spoken);
      const sequence = this.tts.flush();
      this.#sentences.push({ text: sentence, sequence, audioBytes: 0, flushed: false });
      this.hooks.onTtsCharacters?.(spoken.length);
    } catch (error) {
      this.hooks.onError('tts', error as Error);
    }
  }

  #maybeSpoken(): void {
    if (this.#spokenReported || !this.#llmDone || this.cancelled || this.#waiting.length || this.#sentences.some((s) => !s.flushed)) return;
    this.#spokenReported = true;
    this.hooks.onSpoken();
  }
}
