// One attempt at an LLM stream, started: the first chunk has arrived within the first-byte timeout (else the attempt
// fails, before anything was passed on, so it can be retried). The rest streams with a stall timeout between chunks.
import type { LlmChunk, LlmClient, LlmRequest } from '../types.ts';
import { ProviderError } from './provider-error.ts';

export interface OpenedStream {
  chunks: AsyncIterable<LlmChunk>;
  /** The engine that serves when it is not the wrapped client (a fallback). */
  servedBy?: string;
}

export async function openStream(primary: LlmClient, request: LlmRequest, timeouts: { firstByteTimeoutMs?: number; stallTimeoutMs?: number }): Promise<OpenedStream> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(request.signal.reason);
  request.signal.addEventListener('abort', onAbort, { once: true });
  let timedOut: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  const arm = (ms: number, what: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => { timedOut = `${primary.name}: no ${what} within ${ms} ms`; controller.abort(new Error(timedOut)); }, ms);
  };
  const done = () => {
    clearTimeout(timer);
    request.signal.removeEventListener('abort', onAbort);
  };
  const failure = (error: unknown) => (timedOut ? new ProviderError(timedOut, { provider: primary.name, retryable: true }) : error as Error);
  arm(timeouts.firstByteTimeoutMs ?? 8000, 'first byte');
  const iterator = primary.stream({ ...request, signal: controller.signal })[Symbol.asyncIterator]();
  let first: IteratorResult<LlmChunk>;
  try {
    first = await iterator.next();
    if (timedOut) throw new Error(timedOut);
  } catch (error) {
    done();
    throw failure(error);
  }
  arm(timeouts.stallTimeoutMs ?? 15_000, 'data');
  async function* rest(): AsyncGenerator<LlmChunk> {
    try {
      if (first.done) return;
      yield first.value;
      for (;;) {
        arm(timeouts.stallTimeoutMs ?? 15_000, 'data');
        const next = await iterator.next();
        if (timedOut) throw new Error(timedOut);
        if (next.done) return;
        yield next.value;
      }
    } catch (error) {
      throw failure(error);
    } finally {
      done();
      if (!controller.signal.aborted) controller.abort();
      void iterator.return?.();
    }
  }
  return { chunks: rest() };
}
