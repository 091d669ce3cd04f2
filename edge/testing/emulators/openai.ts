// The OpenAI emulator: `POST /v1/chat/completions`, streaming (SSE chat.completion.chunk … [DONE]) and not,
// with tool-call deltas keyed by index, finish_reason, and the usage chunk of stream_options.include_usage (its
// prompt_tokens_details.cached_tokens as scripted).
// Replies come from a responder the test scripts; faults are taken one per request from a queue.
import { randomUUID } from 'node:crypto';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import type { ServerResponse } from 'node:http';
import { latencyMs, readBody, sleep, startEmulatorServer, type Latency } from './http-server.ts';

export interface ScriptedReply {
  text?: string;
  toolCalls?: { name: string; arguments: Record<string, unknown> }[];
}

export type Responder = (request: { model: string; messages: { role: string; content?: string | null }[]; tools?: unknown[] }) => ScriptedReply;

export type OpenAiFault =
  | { kind: 'status'; status: 429 | 500 | 503; retryAfterS?: number }
  | { kind: 'drop-after-chunks'; chunks: number }
  | { kind: 'malformed-chunk' }
  | { kind: 'never-end' };

export interface OpenAiEmulatorOptions {
  apiKey?: string;
  responder?: Responder;
  firstTokenMs?: Latency;
  tokenIntervalMs?: number;
  faults?: OpenAiFault[];
  /** The model's context window: a request whose messages and tools count more tokens is refused, as OpenAI does. */
  contextWindowTokens?: number;
  /** Prompt tokens each request reports as read from the prompt cache (at most its prompt's), as `cached_tokens`. */
  cachedPromptTokens?: number;
}

export interface OpenAiEmulator {
  url: string;
  port: number;
  requests: { body: Record<string, unknown>; authorization: string }[];
  faults: OpenAiFault[];
  close(): Promise<void>;
}

/** Rules: the first whose pattern matches the last user message answers; else a generic reply. */
export function ruleResponder(rules: { when: RegExp; reply: ScriptedReply }[], fallback: ScriptedReply = { text: 'I can help with that.' }): Responder {
  return ({ messages }) => {
    const lastUser = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    return rules.find((rule) => rule.when.test(String(lastUser)))?.reply ?? fallback;
  };
}

const approxTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

function sse(res: ServerResponse, payload: unknown): void {
  res.write(`data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`);
}

export async function startOpenAiEmulator(options: OpenAiEmulatorOptions = {}): Promise<OpenAiEmulator> {
  const apiKey = options.apiKey ?? 'test-openai-key';
  const responder = options.responder ?? ruleResponder([]);
  const requests: OpenAiEmulator['requests'] = [];
  const faults = [...(options.faults ?? [])];
  const server = await startEmulatorServer({
    async http(req, res, url) {
      const authorization = String(req.headers.authorization ?? '');
      if (authorization !== `Bearer ${apiKey}`) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }));
        return;
      }
      if (req.method !== 'POST' || url.pathname !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `Unknown request URL: ${req.method} ${url.pathname}`, type: 'invalid_request_error' } }));
        return;
      }
      const body = JSON.parse(await readBody(req)) as Record<string, unknown> & { model: string; messages: { role: string; content?: string }[]; stream?: boolean; stream_options?: { include_usage?: boolean } };
      requests.push({ body, authorization });
      const fault = faults.shift();
      if (fault?.kind === 'status') {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (fault.retryAfterS !== undefined) headers['retry-after'] = String(fault.retryAfterS);
        res.writeHead(fault.status, headers).end(JSON.stringify({ error: { message: fault.status === 429 ? 'Rate limit reached' : 'The server had an error', type: fault.status === 429 ? 'rate_limit_error' : 'server_error' } }));
        return;
      }
      if (options.contextWindowTokens !== undefined) {
        // Counted as OpenAI does for these models: o200k tokens of each message's content plus its framing, and tools.
        const tokens = body.messages.reduce((n, m) => n + 3 + countTokens(String(m.content ?? '')), 3) + (body.tools ? countTokens(JSON.stringify(body.tools)) : 0);
        if (tokens > options.contextWindowTokens) {
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: {
            message: `This model's maximum context length is ${options.contextWindowTokens} tokens. However, your messages resulted in ${tokens} tokens. Please reduce the length of the messages.`,
            type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded',
          } }));
          return;
        }
      }
      const reply = responder(body);
      const id = `chatcmpl-${randomUUID()}`;
      const created = Math.floor(Date.now() / 1000);
      const promptTokens = body.messages.reduce((n, m) => n + approxTokens(String(m.content ?? '')), 0);
      const completionTokens = approxTokens(reply.text ?? '') + (reply.toolCalls ?? []).reduce((n, c) => n + approxTokens(JSON.stringify(c.arguments)), 0);
      const usage = {
        prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens,
        prompt_tokens_details: { cached_tokens: Math.min(options.cachedPromptTokens ?? 0, promptTokens), audio_tokens: 0 },
      };
      const finishReason = reply.toolCalls?.length ? 'tool_calls' : 'stop';
      const toolCalls = (reply.toolCalls ?? []).map((call, index) => ({ index, id: `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`, name: call.name, args: JSON.stringify(call.arguments) }));
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
          id, object: 'chat.completion', created, model: body.model, usage,
          choices: [{ index: 0, finish_reason: finishReason, message: { role: 'assistant', content: reply.text ?? null, ...(toolCalls.length ? { tool_calls: toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.args } })) } : {}) } }],
        }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      const chunk = (delta: object, finish: string | null = null) => ({ id, object: 'chat.completion.chunk', created, model: body.model, system_fingerprint: 'fp_emulated', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
      let sent = 0;
      const emit = async (payload: unknown) => {
        if (fault?.kind === 'drop-after-chunks' && sent >= fault.chunks) { res.socket?.destroy(); throw new Error('dropped'); }
        if (fault?.kind === 'malformed-chunk' && sent === 2) res.write('data: {"id": "broken\n\n');
        sse(res, payload);
        sent++;
        await sleep(options.tokenIntervalMs ?? 0);
      };
      try {
        await sleep(latencyMs(options.firstTokenMs));
        await emit(chunk({ role: 'assistant', content: '', refusal: null }));
        for (const piece of (reply.text ?? '').match(/\S+\s*|\s+/g) ?? []) await emit(chunk({ content: piece }));
        for (const call of toolCalls) {
          await emit(chunk({ tool_calls: [{ index: call.index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }));
          for (let i = 0; i < call.args.length; i += 8) await emit(chunk({ tool_calls: [{ index: call.index, function: { arguments: call.args.slice(i, i + 8) } }] }));
        }
        if (fault?.kind === 'never-end') return; // the response stays open until the client gives up
        await emit(chunk({}, finishReason));
        if (body.stream_options?.include_usage) await emit({ id, object: 'chat.completion.chunk', created, model: body.model, system_fingerprint: 'fp_emulated', choices: [], usage });
        sse(res, '[DONE]');
        res.end();
      } catch {
        // the fault already cut the stream
      }
    },
  });
  return { ...server, requests, faults };
}
