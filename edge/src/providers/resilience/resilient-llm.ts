// Wraps an LLM client with what an SRE needs at 3 a.m.: a first-byte timeout and a stall timeout per attempt,
// retries (cockatiel: exponential backoff with jitter; a 429's Retry-After is honoured) until the stream starts, then
// a fallback model on the same provider, then a fallback provider (the agent's offline engine), behind the engine's
// circuit breaker so that a dead provider is skipped at once instead of costing every caller its timeouts.
// A stream that stalls or dies mid-answer is continued, not replayed: text is passed on a whole sentence at a time
// (the TTS speaks whole sentences anyway, so nothing is later for it), and the next attempt is asked to go on from
// the last complete sentence; sentences it repeats are dropped. The caller never hears a sentence twice, nor half a
// sentence and then silence. An answer that had made tool calls is not continued: its tools may have run.
import { DelegateBackoff, handleWhen, retry, type CircuitBreakerPolicy } from 'cockatiel';
import type { ChatMessage, LlmChunk, LlmClient, LlmRequest } from '../types.ts';
import { executeForCall, isBrokenCircuit, retryDelayMs, type BackoffOptions } from './policies.ts';
import { ProviderError } from './provider-error.ts';
import { openStream, type OpenedStream } from './llm-stream.ts';

export interface ResilientLlmOptions {
  breaker: CircuitBreakerPolicy;
  /** Attempts per model before the first chunk. */
  maxAttempts?: number;
  backoff?: BackoffOptions;
  firstByteTimeoutMs?: number;
  /** Longest silence between chunks once streaming. */
  stallTimeoutMs?: number;
  /** Tried on the same provider when the requested model keeps failing. */
  fallbackModel?: string;
  /** Serves when the provider is down (breaker open) or every attempt failed. */
  fallback?: LlmClient;
  onRetry?: (info: { attempt: number; model: string | undefined; delayMs: number; error: Error }) => void;
  onFallback?: (info: { to: string; reason: string }) => void;
  /** An answer cut mid-stream goes on with another attempt (`resumedMs`: from the fault to its first new text). */
  onResume?: (info: { reason: string; to: string; resumedMs: number }) => void;
}

/** Continuations of one answer before its failure is reported. */
const MAX_RESUMES = 2;

/** A sentence ends at . ! or ? (closing quotes or brackets allowed) before whitespace. */
const SENTENCE_END = /[.!?]["')\]]*\s+/g;

export function resilientLlm(primary: LlmClient, options: ResilientLlmOptions): LlmClient {
  return {
    name: primary.name,
    async *stream(request: LlmRequest): AsyncIterable<LlmChunk> {
      /** Complete sentences passed on so far, and whether a tool call went out (no continuing then). */
      let said = '';
      let toolCalled = false;
      let resumeFrom: { reason: string; atMs: number } | null = null;
      let firstAttempt = true;
      let startedText = false;
      let resumes = 0;
      for (;;) {
        const messages = said ? continuation(request.messages, said) : request.messages;
        const opened = await open(primary, { ...request, messages }, options, firstAttempt);
        firstAttempt = false;
        if (!opened) return; // the call ended
        let held = '';
        let newText = !said;
        const usage: LlmChunk[] = [];
        try {
          for await (const chunk of opened.chunks) {
            // Usage is billed to the engine that served: a fallback's is named, as its text is. It may come from a
            // stream cut mid-sentence (counted locally), so it waits for the stream's end and does not release the
            // half sentence held back.
            if (chunk.type === 'usage') {
              usage.push(opened.servedBy ? { ...chunk, provider: opened.servedBy } : chunk);
              continue;
            }
            if (chunk.type !== 'text') {
              // Tool calls come after the text: the text held back goes first.
              if (held.trim() && newText) yield { type: 'text', text: held, ...(opened.servedBy ? { provider: opened.servedBy } : {}) };
              if (held.trim() && newText) said += held;
              held = '';
              if (chunk.type === 'tool_call') toolCalled = true;
              yield chunk;
              continue;
            }
            held += chunk.text;
            const end = lastSentenceEnd(held);
            // The first words mark the LLM's first byte (the reply times it), though they wait for their sentence.
            if (!said && !startedText) {
              startedText = true;
              if (end === 0) yield { type: 'text', text: '', ...(opened.servedBy ? { provider: opened.servedBy } : {}) };
            }
            if (end === 0) continue;
            let sentences = held.slice(0, end);
            held = held.slice(end);
            if (!newText) {
              sentences = withoutRepeats(said, sentences);
              if (!sentences) continue;
              newText = true;
            }
            if (resumeFrom) {
              const to = opened.servedBy ?? primary.name;
              const recoveredMs = performance.now() - resumeFrom.atMs;
              options.onResume?.({ reason: resumeFrom.reason, to, resumedMs: recoveredMs });
              yield { type: 'failover', from: primary.name, to, reason: resumeFrom.reason, recoveredMs };
              resumeFrom = null;
            }
            said += sentences;
            yield { type: 'text', text: sentences, ...(opened.servedBy ? { provider: opened.servedBy } : {}) };
          }
          if (held.trim()) {
            const rest = newText ? held : withoutRepeats(said, held);
            if (rest) yield { type: 'text', text: rest, ...(opened.servedBy ? { provider: opened.servedBy } : {}) };
          }
          yield* usage;
          return;
        } catch (error) {
          yield* usage;
          if (request.signal.aborted) return;
          // Cut mid-answer: what was passed on stands; the half sentence held back is asked for again. Not after a
          // tool call (its tool may have run), not when the fallback engine itself failed, and not forever.
          if (toolCalled || opened.servedBy || ++resumes > MAX_RESUMES) throw error;
          resumeFrom = { reason: (error as Error).message, atMs: performance.now() };
        }
      }
    },
  };
}

/** Retries, the fallback model, then the fallback engine: the first stream that starts. Null when the call ended. */
async function open(primary: LlmClient, request: LlmRequest, options: ResilientLlmOptions, report: boolean): Promise<OpenedStream | null> {
  const models = [request.model, ...(options.fallbackModel && options.fallbackModel !== request.model ? [options.fallbackModel] : [])];
  const backoff = options.backoff ?? { baseMs: 250, maxMs: 8000 };
  let lastError: Error | null = null;
  for (const [modelIndex, model] of models.entries()) {
    if (modelIndex > 0) options.onFallback?.({ to: `${primary.name}:${model}`, reason: lastError?.message ?? 'failed' });
    const policy = retry(handleWhen((error) => !request.signal.aborted && !isBrokenCircuit(error) && (!(error instanceof ProviderError) || error.details.retryable)), {
      maxAttempts: (options.maxAttempts ?? 3) - 1,
      backoff: new DelegateBackoff((context) => {
        const error = 'error' in context.result ? context.result.error : null;
        return retryDelayMs(context.attempt, backoff, error instanceof ProviderError ? error.details.retryAfterS : undefined);
      }),
    });
    const retried = policy.onRetry((event) => {
      if (report && 'error' in event) options.onRetry?.({ attempt: event.attempt, model, delayMs: event.delay, error: event.error as Error });
    });
    try {
      return await policy.execute(() => executeForCall(options.breaker, request.signal, () => openStream(primary, { ...request, model }, options)), request.signal);
    } catch (error) {
      if (request.signal.aborted) return null;
      lastError = isBrokenCircuit(error) ? new Error(`${primary.name} is unavailable (circuit breaker open)`) : error as Error;
      if (isBrokenCircuit(error)) break;
      if (error instanceof ProviderError && !error.details.retryable && !options.fallback) throw error;
    } finally {
      retried.dispose();
    }
  }
  if (!options.fallback) throw lastError ?? new Error(`${primary.name} is unavailable`);
  options.onFallback?.({ to: options.fallback.name, reason: lastError?.message ?? 'breaker open' });
  return { chunks: options.fallback.stream(request), servedBy: options.fallback.name };
}

/** The request again, with the answer so far and the instruction to go on from its end. */
function continuation(messages: ChatMessage[], said: string): ChatMessage[] {
  return [
    ...messages,
    { role: 'assistant', content: said.trim() },
    { role: 'system', content: 'Your answer above was cut off. Continue it from exactly where it stopped, without repeating anything already said.' },
  ];
}

/** Where the last complete sentence of `text` ends (0: none yet). */
function lastSentenceEnd(text: string): number {
  let end = 0;
  for (const match of text.matchAll(SENTENCE_END)) end = match.index + match[0].length;
  return end;
}

/** `sentences` without those at its start that were already said (a continuation that began again). */
function withoutRepeats(said: string, sentences: string): string {
  const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
  const already = new Set((said.match(/[^.!?]+[.!?]*/g) ?? []).map(norm));
  let rest = sentences;
  for (;;) {
    const first = /^\s*[^.!?]+[.!?]*["')\]]*\s*/.exec(rest);
    if (!first || !already.has(norm(first[0]))) return rest;
    rest = rest.slice(first[0].length);
  }
}
