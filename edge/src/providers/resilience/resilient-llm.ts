// Wraps an LLM client with what an SRE needs at 3 a.m.: a first-byte timeout and a stall timeout per attempt,
// retries (exponential backoff with jitter; a 429's Retry-After is honoured) while nothing has been streamed yet,
// then a fallback model on the same provider, then a fallback provider (the agent's offline engine), and a circuit
// breaker so that a dead provider is skipped at once instead of costing every caller its timeouts. A stream that
// fails after it began is not retried: the caller has already heard its start.
import type { LlmChunk, LlmClient, LlmRequest } from '../types.ts';
import { retryDelayMs, sleep, type BackoffOptions } from './backoff.ts';
import type { CircuitBreaker } from './circuit-breaker.ts';
import { ProviderError } from './provider-error.ts';

export interface ResilientLlmOptions {
  breaker: CircuitBreaker;
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
}

type Attempt = { ok: true } | { ok: false; error: Error; started: boolean };

export function resilientLlm(primary: LlmClient, options: ResilientLlmOptions): LlmClient {
  const maxAttempts = options.maxAttempts ?? 3;
  const backoff = options.backoff ?? { baseMs: 250, maxMs: 8000 };
  return {
    name: primary.name,
    async *stream(request: LlmRequest): AsyncIterable<LlmChunk> {
      const models = [request.model, ...(options.fallbackModel && options.fallbackModel !== request.model ? [options.fallbackModel] : [])];
      let lastError: Error | null = null;
      let reason = 'breaker open';
      for (const [modelIndex, model] of models.entries()) {
        if (modelIndex > 0) options.onFallback?.({ to: `${primary.name}:${model}`, reason: lastError?.message ?? 'failed' });
        for (let attempt = 1; attempt <= maxAttempts; attempt++) {
          if (!options.breaker.tryAcquire()) break;
          const chunks: LlmChunk[] = [];
          const outcome: Attempt = yield* attemptOnce(primary, { ...request, model }, options, chunks);
          if (outcome.ok) {
            options.breaker.success();
            return;
          }
          options.breaker.failure();
          if (request.signal.aborted) return;
          if (outcome.started) throw outcome.error;
          lastError = outcome.error;
          reason = outcome.error.message;
          const details = outcome.error instanceof ProviderError ? outcome.error.details : { retryable: true, retryAfterS: undefined };
          if (!details.retryable) break;
          if (attempt < maxAttempts) {
            const delayMs = retryDelayMs(attempt, backoff, details.retryAfterS);
            options.onRetry?.({ attempt, model, delayMs, error: outcome.error });
            try {
              await sleep(delayMs, request.signal);
            } catch {
              return; // the call ended while we waited
            }
          }
        }
      }
      if (!options.fallback) throw lastError ?? new Error(`${primary.name} is unavailable (circuit breaker open)`);
      options.onFallback?.({ to: options.fallback.name, reason });
      const servedBy = options.fallback.name;
      for await (const chunk of options.fallback.stream(request)) yield chunk.type === 'text' ? { ...chunk, provider: servedBy } : chunk;
    },
  };
}

/** One attempt, with its own abort for the timeouts; yields chunks as they come. */
async function* attemptOnce(primary: LlmClient, request: LlmRequest, options: ResilientLlmOptions, chunks: LlmChunk[]): AsyncGenerator<LlmChunk, Attempt> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(request.signal.reason);
  request.signal.addEventListener('abort', onAbort, { once: true });
  let timedOut: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  const arm = (ms: number, what: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => { timedOut = `${primary.name}: no ${what} within ${ms} ms`; controller.abort(new Error(timedOut)); }, ms);
  };
  arm(options.firstByteTimeoutMs ?? 8000, 'first byte');
  try {
    for await (const chunk of primary.stream({ ...request, signal: controller.signal })) {
      arm(options.stallTimeoutMs ?? 15_000, 'data');
      chunks.push(chunk);
      yield chunk;
    }
    if (timedOut) return { ok: false, error: new ProviderError(timedOut, { provider: primary.name, retryable: true }), started: chunks.length > 0 };
    return { ok: true };
  } catch (error) {
    const failure = timedOut ? new ProviderError(timedOut, { provider: primary.name, retryable: true }) : (error as Error);
    return { ok: false, error: failure, started: chunks.length > 0 };
  } finally {
    clearTimeout(timer);
    request.signal.removeEventListener('abort', onAbort);
  }
}
