// One agent reply: streams the LLM, cuts its text into sentences, speaks each through TTS, and remembers which
// sentences were actually played, so that a barge-in leaves only what the caller heard in the context.
import type { ChatMessage, LlmClient, TtsSession } from '../providers/types.ts';
import { SentenceChunker } from './sentence-chunker.ts';

export interface ReplyUsage { inputTokens: number; outputTokens: number; model: string; ttsCharacters: number }

export interface ReplyHooks {
  /** Called once, when the LLM produced its first text. */
  onFirstToken(): void;
  /** All TTS audio of the reply has been queued (the last `flushed` arrived). */
  onSpoken(): void;
  onError(stage: 'llm' | 'tts', error: Error): void;
}

export class Reply {
  readonly #abort = new AbortController();
  readonly #pendingFlushes: number[] = [];
  readonly #sentences = new Map<number, string>();
  #llmDone = false;
  #spokenReported = false;
  #fullText = '';
  readonly usage: ReplyUsage = { inputTokens: 0, outputTokens: 0, model: '', ttsCharacters: 0 };
  readonly playedSentences: string[] = [];

  constructor(readonly index: number, private readonly tts: TtsSession, private readonly hooks: ReplyHooks) {}

  get text(): string {
    return this.#fullText.trim();
  }

  get cancelled(): boolean {
    return this.#abort.signal.aborted;
  }

  /** Speaks fixed text (greeting, notices) without an LLM. */
  speakText(text: string): void {
    this.#fullText = text;
    this.#speak(text);
    this.#llmDone = true;
    this.#maybeSpoken();
  }

  async generate(llm: LlmClient, messages: ChatMessage[], options: { model?: string; temperature?: number }): Promise<void> {
    const chunker = new SentenceChunker();
    let first = true;
    try {
      for await (const chunk of llm.stream({ messages, model: options.model, temperature: options.temperature, signal: this.#abort.signal })) {
        if (this.cancelled) return;
        if (chunk.type === 'text') {
          if (first) { first = false; this.hooks.onFirstToken(); }
          this.#fullText += chunk.text;
          for (const sentence of chunker.push(chunk.text)) this.#speak(sentence);
        } else if (chunk.type === 'usage') {
          Object.assign(this.usage, { inputTokens: chunk.inputTokens, outputTokens: chunk.outputTokens, model: chunk.model });
        }
        // Tool calls are executed by the tools engine (agent runtime issue); until then they are not acted on.
      }
      if (this.cancelled) return;
      for (const sentence of chunker.flush()) this.#speak(sentence);
    } catch (error) {
      if (!this.cancelled) this.hooks.onError('llm', error as Error);
    } finally {
      this.#llmDone = true;
      this.#maybeSpoken();
    }
  }

  /** The TTS session reports that audio up to flush `sequence` has been delivered; returns its sentence. */
  takeFlushed(sequence: number): string | null {
    const index = this.#pendingFlushes.indexOf(sequence);
    if (index < 0) return null;
    this.#pendingFlushes.splice(0, index + 1);
    const sentence = this.#sentences.get(sequence) ?? null;
    this.#sentences.delete(sequence);
    this.#maybeSpoken();
    return sentence;
  }

  cancel(): void {
    this.#abort.abort();
  }

  /** What the caller heard: the sentences played to the end, plus the share of the current one its frames cover. */
  heardText(partialFraction: number): string {
    const played = this.playedSentences.join(' ');
    const next = this.#fullText.slice(played.length).trim().split(/\s+/).filter(Boolean);
    const words = next.slice(0, Math.floor(next.length * Math.min(1, Math.max(0, partialFraction))));
    return [played, words.join(' ')].filter(Boolean).join(' ').trim();
  }

  #speak(sentence: string): void {
    if (this.cancelled) return;
    try {
      this.tts.speak(sentence);
      const sequence = this.tts.flush();
      this.#pendingFlushes.push(sequence);
      this.#sentences.set(sequence, sentence);
      this.usage.ttsCharacters += sentence.length;
    } catch (error) {
      this.hooks.onError('tts', error as Error);
    }
  }

  #maybeSpoken(): void {
    if (this.#spokenReported || !this.#llmDone || this.#pendingFlushes.length > 0 || this.cancelled) return;
    this.#spokenReported = true;
    this.hooks.onSpoken();
  }
}
