// OpenAI chat completions, streamed, through the `openai` package: text deltas pass through, tool-call deltas are
// assembled by index into whole calls, and usage comes from the include_usage chunk, with the prompt tokens read
// from OpenAI's prompt cache (or is counted here when an interrupted stream never delivers it).
import OpenAI from 'openai';
import { countTokens, countTokensOfAll } from '../../runtime/token-count.ts';
import { isRetryableStatus, ProviderError } from '../resilience/provider-error.ts';
import type { ChatMessage, LlmChunk, LlmClient, LlmRequest } from '../types.ts';

export interface OpenAiConfig {
  apiKey: string;
  baseUrl?: string;
  model?: string;
}

function toOpenAi(message: ChatMessage): OpenAI.Chat.Completions.ChatCompletionMessageParam {
  switch (message.role) {
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
    case 'assistant':
      return message.toolCalls?.length
        ? { role: 'assistant', content: message.content || null, tool_calls: message.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.argumentsJson } })) }
        : { role: 'assistant', content: message.content };
    default:
      return { role: message.role, content: message.content };
  }
}

/** The SDK's error as a ProviderError: its status, the Retry-After a 429 carries, and whether to try again. */
function providerError(error: unknown): ProviderError {
  const { status, headers } = error as { status?: number; headers?: Headers | Record<string, string> };
  const header = headers instanceof Headers ? headers.get('retry-after') : headers?.['retry-after'];
  const retryAfterS = header !== undefined && header !== null && header !== '' ? Number(header) : undefined;
  if (status === 401) return new ProviderError('OpenAI rejected the API key (401): set OPENAI_API_KEY', { provider: 'openai', status, retryable: false });
  return new ProviderError(`OpenAI request failed${status ? ` (${status})` : ''}: ${(error as Error).message}`, {
    provider: 'openai', status, retryable: isRetryableStatus(status), retryAfterS: Number.isFinite(retryAfterS) ? retryAfterS : undefined,
  });
}

export function createOpenAiLlm(config: OpenAiConfig): LlmClient {
  const client = new OpenAI({ apiKey: config.apiKey, ...(config.baseUrl ? { baseURL: config.baseUrl } : {}), maxRetries: 0 });
  return {
    name: 'openai',
    async *stream(request: LlmRequest): AsyncIterable<LlmChunk> {
      const model = request.model ?? config.model ?? 'gpt-4o-mini';
      let stream;
      try {
        stream = await client.chat.completions.create({
          model,
          messages: request.messages.map(toOpenAi),
          ...(request.tools?.length ? { tools: request.tools.map((t) => ({ type: 'function' as const, function: { name: t.name, description: t.description, parameters: t.parameters } })) } : {}),
          ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
          stream: true,
          stream_options: { include_usage: true },
        }, { signal: request.signal });
      } catch (error) {
        if (request.signal.aborted) return;
        throw providerError(error);
      }
      const calls = new Map<number, { id: string; name: string; args: string }>();
      let text = '';
      let usage: { inputTokens: number; cachedInputTokens: number; outputTokens: number } | null = null;
      let failure: ProviderError | null = null;
      try {
        for await (const chunk of stream) {
          if (chunk.usage) {
            const { prompt_tokens: inputTokens, completion_tokens: outputTokens, prompt_tokens_details: details } = chunk.usage;
            usage = { inputTokens, cachedInputTokens: Math.min(details?.cached_tokens ?? 0, inputTokens), outputTokens };
          }
          const choice = chunk.choices[0];
          if (!choice) continue;
          const delta = choice.delta;
          if (delta?.content) {
            text += delta.content;
            yield { type: 'text', text: delta.content };
          }
          for (const part of delta?.tool_calls ?? []) {
            const call = calls.get(part.index) ?? { id: '', name: '', args: '' };
            if (part.id) call.id = part.id;
            if (part.function?.name) call.name = part.function.name;
            if (part.function?.arguments) call.args += part.function.arguments;
            calls.set(part.index, call);
          }
          if (choice.finish_reason) {
            for (const [, call] of [...calls].sort(([a], [b]) => a - b)) yield { type: 'tool_call', call: { id: call.id, name: call.name, argumentsJson: call.args } };
            calls.clear();
          }
        }
      } catch (error) {
        if (!request.signal.aborted) failure = new ProviderError(`OpenAI stream failed: ${(error as Error).message}`, { provider: 'openai', retryable: true });
      }
      // A stream that failed before any answer is retried as if it never started (the caller's retry sees only the
      // error); one cut mid-answer was paid for, so its usage goes out before the error.
      if (failure && !text && calls.size === 0) throw failure;
      // An interrupted stream never delivers usage: count what was sent and received so billing stays whole.
      usage ??= {
        inputTokens: countTokensOfAll(request.messages.map((m) => m.content)),
        cachedInputTokens: 0,
        outputTokens: countTokens(text),
      };
      yield { type: 'usage', ...usage, model };
      if (failure) throw failure;
    },
  };
}
