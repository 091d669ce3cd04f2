// The resilience wrapper around the real OpenAI adapter (the `openai` package) against the emulator's faults: a 429
// is waited out as told, repeated 500s open the breaker and the offline engine serves, the breaker recovers, a
// stream that never starts times out, and a stream cut after it began is not replayed.
import { afterEach, describe, expect, it } from 'vitest';
import { startOpenAiEmulator, type OpenAiEmulator } from '../../testing/emulators/index.ts';
import { createOpenAiLlm } from '../../src/providers/openai/llm.ts';
import { createScriptedLlm } from '../../src/providers/offline/scripted-llm.ts';
import { retryDelayMs } from '../../src/providers/resilience/backoff.ts';
import { CircuitBreaker } from '../../src/providers/resilience/circuit-breaker.ts';
import { resilientLlm } from '../../src/providers/resilience/resilient-llm.ts';
import type { LlmChunk, LlmClient } from '../../src/providers/types.ts';

const offline = createScriptedLlm({ intents: [], fallbackReply: 'Our assistant is busy, but I can take a message.' }, { wordDelayMs: 0 });
const ask = async (llm: LlmClient, model?: string) => {
  const chunks: LlmChunk[] = [];
  for await (const chunk of llm.stream({ messages: [{ role: 'user', content: 'What are your hours?' }], model, signal: new AbortController().signal })) chunks.push(chunk);
  return { text: chunks.filter((c) => c.type === 'text').map((c) => (c as { text: string }).text).join(''), usage: chunks.at(-1) as Extract<LlmChunk, { type: 'usage' }> };
};

describe('resilient LLM', () => {
  let emulator: OpenAiEmulator;
  afterEach(async () => { await emulator?.close(); });
  const openai = () => createOpenAiLlm({ apiKey: 'test-openai-key', baseUrl: `${emulator.url}/v1` });

  it('waits out a 429 for as long as Retry-After says, then answers', async () => {
    emulator = await startOpenAiEmulator({ responder: () => ({ text: 'Nine to six.' }), faults: [{ kind: 'status', status: 429, retryAfterS: 1 }] });
    const llm = resilientLlm(openai(), { breaker: new CircuitBreaker('t-429') });
    const started = performance.now();
    expect((await ask(llm)).text).toBe('Nine to six.');
    expect(emulator.requests).toHaveLength(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('after repeated 500s opens the breaker and the offline engine serves without asking OpenAI; half-open, a success closes it', async () => {
    emulator = await startOpenAiEmulator({ responder: () => ({ text: 'Nine to six.' }), faults: Array.from({ length: 6 }, () => ({ kind: 'status' as const, status: 500 as const })) });
    let nowMs = 0;
    const breaker = new CircuitBreaker('t-500', { failureThreshold: 3, openMs: 5000 }, () => nowMs);
    const fallbacks: string[] = [];
    const llm = resilientLlm(openai(), { breaker, maxAttempts: 3, backoff: { baseMs: 1, maxMs: 5 }, fallback: offline, onFallback: ({ to }) => fallbacks.push(to) });
    const first = await ask(llm);
    expect(first.text).toBe('Our assistant is busy, but I can take a message.');
    expect(first.usage.model).toBe('scripted');
    expect(emulator.requests).toHaveLength(3);
    expect(breaker.state).toBe('open');
    expect((await ask(llm)).text).toMatch(/busy/);
    expect(emulator.requests).toHaveLength(3); // open: OpenAI is not asked at all
    nowMs += 5000;
    expect(breaker.state).toBe('half-open');
    emulator.faults.length = 0;
    expect((await ask(llm)).text).toBe('Nine to six.');
    expect(breaker.state).toBe('closed');
    expect(fallbacks).toEqual(['scripted', 'scripted']);
  });

  it('tries the fallback model on the same provider before giving up on it', async () => {
    emulator = await startOpenAiEmulator({ responder: ({ model }) => ({ text: `answered by ${model}` }), faults: [{ kind: 'status', status: 503 }, { kind: 'status', status: 503 }] });
    const llm = resilientLlm(openai(), { breaker: new CircuitBreaker('t-model'), maxAttempts: 2, backoff: { baseMs: 1, maxMs: 5 }, fallbackModel: 'gpt-4o-mini-fallback' });
    expect((await ask(llm, 'gpt-4o')).text).toBe('answered by gpt-4o-mini-fallback');
    expect(emulator.requests.map((r) => r.body.model)).toEqual(['gpt-4o', 'gpt-4o', 'gpt-4o-mini-fallback']);
  });

  it('a stream that never starts times out and is retried; one cut after it began is not replayed', async () => {
    emulator = await startOpenAiEmulator({ responder: () => ({ text: 'one two three four five six seven' }), firstTokenMs: 0, faults: [{ kind: 'never-end' }] });
    // never-end streams its text and then stays open: the stall timeout ends it, after the caller heard it: no retry.
    const llm = resilientLlm(openai(), { breaker: new CircuitBreaker('t-stall'), stallTimeoutMs: 300, backoff: { baseMs: 1, maxMs: 5 } });
    await expect(ask(llm)).rejects.toThrow(/no data within 300 ms/);
    expect(emulator.requests).toHaveLength(1);
    const slow = await startOpenAiEmulator({ responder: () => ({ text: 'late' }), firstTokenMs: 1500 });
    try {
      const timed = resilientLlm(createOpenAiLlm({ apiKey: 'test-openai-key', baseUrl: `${slow.url}/v1` }), { breaker: new CircuitBreaker('t-first'), firstByteTimeoutMs: 200, maxAttempts: 2, backoff: { baseMs: 1, maxMs: 5 }, fallback: offline });
      expect((await ask(timed)).text).toMatch(/busy/);
      expect(slow.requests).toHaveLength(2);
    } finally {
      await slow.close();
    }
  });

  it('does not retry what retrying cannot fix (a wrong key)', async () => {
    emulator = await startOpenAiEmulator();
    const retries: number[] = [];
    const llm = resilientLlm(createOpenAiLlm({ apiKey: 'wrong', baseUrl: `${emulator.url}/v1` }), { breaker: new CircuitBreaker('t-401'), backoff: { baseMs: 1, maxMs: 5 }, onRetry: ({ attempt }) => retries.push(attempt) });
    await expect(ask(llm)).rejects.toThrow(/OPENAI_API_KEY/);
    expect(retries).toEqual([]);
  });

  it('backs off exponentially with full jitter, capped, unless told how long to wait', () => {
    expect([1, 2, 3, 4, 10].map((a) => retryDelayMs(a, { baseMs: 250, maxMs: 8000 }, undefined, () => 1))).toEqual([250, 500, 1000, 2000, 8000]);
    expect(retryDelayMs(3, { baseMs: 250, maxMs: 8000 }, undefined, () => 0.5)).toBe(500);
    expect(retryDelayMs(1, { baseMs: 250, maxMs: 8000 }, 2)).toBe(2000);
    expect(retryDelayMs(1, { baseMs: 250, maxMs: 8000 }, 120)).toBe(8000);
  });
});
