// The resilience wrapper around the real OpenAI adapter (the `openai` package) against the emulator's faults: a 429
// is waited out as told, repeated 500s open the breaker and the offline engine serves, the breaker recovers, a
// stream that never starts times out, and a stream cut or stalled mid-answer goes on from its last complete sentence
// without repeating one.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startOpenAiEmulator, type OpenAiEmulator } from '../../testing/emulators/index.ts';
import { createOpenAiLlm } from '../../src/providers/openai/llm.ts';
import { createScriptedLlm } from '../../src/providers/offline/scripted-llm.ts';
import { ProviderBreakers, retryDelayMs, stateOf } from '../../src/providers/resilience/policies.ts';
import { resilientLlm } from '../../src/providers/resilience/resilient-llm.ts';
import type { LlmChunk, LlmClient } from '../../src/providers/types.ts';

const offline = createScriptedLlm({ intents: [], fallbackReply: 'Our assistant is busy, but I can take a message.' }, { wordDelayMs: 0 });
const breaker = (name: string, options?: { failureThreshold: number; openMs: number }) => new ProviderBreakers(options).get(name);

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
    const llm = resilientLlm(openai(), { breaker: breaker('t-429') });
    const started = performance.now();
    expect((await ask(llm)).text).toBe('Nine to six.');
    expect(emulator.requests).toHaveLength(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('after repeated 500s opens the breaker and the offline engine serves without asking OpenAI; half-open, a success closes it', async () => {
    emulator = await startOpenAiEmulator({ responder: () => ({ text: 'Nine to six.' }), faults: Array.from({ length: 6 }, () => ({ kind: 'status' as const, status: 500 as const })) });
    vi.useFakeTimers({ toFake: ['Date'] });
    const t500 = breaker('t-500', { failureThreshold: 3, openMs: 5000 });
    const fallbacks: string[] = [];
    const llm = resilientLlm(openai(), { breaker: t500, maxAttempts: 3, backoff: { baseMs: 1, maxMs: 5 }, fallback: offline, onFallback: ({ to }) => fallbacks.push(to) });
    const first = await ask(llm);
    expect(first.text).toBe('Our assistant is busy, but I can take a message.');
    expect(first.usage.model).toBe('scripted');
    expect(emulator.requests).toHaveLength(3);
    expect(stateOf(t500)).toBe('open');
    expect((await ask(llm)).text).toMatch(/busy/);
    expect(emulator.requests).toHaveLength(3); // open: OpenAI is not asked at all
    vi.setSystemTime(Date.now() + 5000);
    emulator.faults.length = 0;
    expect((await ask(llm)).text).toBe('Nine to six.'); // the half-open trial
    expect(stateOf(t500)).toBe('closed');
    expect(fallbacks).toEqual(['scripted', 'scripted']);
    vi.useRealTimers();
  });

  it('tries the fallback model on the same provider before giving up on it', async () => {
    emulator = await startOpenAiEmulator({ responder: ({ model }) => ({ text: `answered by ${model}` }), faults: [{ kind: 'status', status: 503 }, { kind: 'status', status: 503 }] });
    const llm = resilientLlm(openai(), { breaker: breaker('t-model'), maxAttempts: 2, backoff: { baseMs: 1, maxMs: 5 }, fallbackModel: 'gpt-4o-mini-fallback' });
    expect((await ask(llm, 'gpt-4o')).text).toBe('answered by gpt-4o-mini-fallback');
    expect(emulator.requests.map((r) => r.body.model)).toEqual(['gpt-4o', 'gpt-4o', 'gpt-4o-mini-fallback']);
  });

  it('a stream that never starts times out and is retried; one that stalls before a whole sentence is asked again', async () => {
    emulator = await startOpenAiEmulator({ responder: () => ({ text: 'one two three four five six seven' }), firstTokenMs: 0, faults: [{ kind: 'never-end' }] });
    // never-end streams its text and then stays open: the stall timeout ends it. No sentence was complete, so none
    // was passed on: the next attempt answers from the start.
    const llm = resilientLlm(openai(), { breaker: breaker('t-stall'), stallTimeoutMs: 300, backoff: { baseMs: 1, maxMs: 5 } });
    expect((await ask(llm)).text).toBe('one two three four five six seven');
    expect(emulator.requests).toHaveLength(2);
    const slow = await startOpenAiEmulator({ responder: () => ({ text: 'late' }), firstTokenMs: 1500 });
    try {
      const timed = resilientLlm(createOpenAiLlm({ apiKey: 'test-openai-key', baseUrl: `${slow.url}/v1` }), { breaker: breaker('t-first'), firstByteTimeoutMs: 200, maxAttempts: 2, backoff: { baseMs: 1, maxMs: 5 }, fallback: offline });
      expect((await ask(timed)).text).toMatch(/busy/);
      expect(slow.requests).toHaveLength(2);
    } finally {
      await slow.close();
    }
  });

  it('a stream cut after two sentences goes on from there: no sentence twice, none half, the cut timed', async () => {
    const answer = 'We open at nine. We close at six. On Saturdays we close at one. On Sundays we are closed.';
    emulator = await startOpenAiEmulator({
      // A continuation starts again from its beginning, as models often do: the wrapper drops what was said.
      responder: ({ messages }) => ({ text: messages.some((m) => m.role === 'assistant') ? 'We close at six. On Saturdays we close at one. On Sundays we are closed.' : answer }),
      firstTokenMs: 0, faults: [{ kind: 'drop-after-chunks', chunks: 11 }],
    });
    const resumed: number[] = [];
    const llm = resilientLlm(openai(), { breaker: breaker('t-cut'), backoff: { baseMs: 1, maxMs: 5 }, onResume: ({ resumedMs }) => resumed.push(resumedMs) });
    const chunks: LlmChunk[] = [];
    for await (const chunk of llm.stream({ messages: [{ role: 'user', content: 'When are you open?' }], signal: new AbortController().signal })) chunks.push(chunk);
    const texts = chunks.filter((c) => c.type === 'text').map((c) => (c as { text: string }).text).filter(Boolean);
    expect(texts.join('').trim()).toBe(answer);
    // Whole sentences only, each once.
    const sentences = texts.join('').match(/[^.]+\./g)!.map((x) => x.trim());
    expect(sentences).toEqual(['We open at nine.', 'We close at six.', 'On Saturdays we close at one.', 'On Sundays we are closed.']);
    expect(texts.every((t) => /[.!?]\s*$/.test(t))).toBe(true);
    expect(emulator.requests).toHaveLength(2);
    const second = emulator.requests[1].body.messages as { role: string; content: string }[];
    expect(second.at(-2)).toEqual({ role: 'assistant', content: 'We open at nine. We close at six.' });
    const failover = chunks.find((c) => c.type === 'failover');
    expect(failover).toMatchObject({ type: 'failover', from: 'openai', to: 'openai' });
    expect(resumed).toHaveLength(1);
    console.log(`LLM stream cut after two sentences: the answer went on ${resumed[0].toFixed(0)} ms after the cut`);
    expect(resumed[0]).toBeLessThan(1000);
  });

  it('does not retry what retrying cannot fix (a wrong key)', async () => {
    emulator = await startOpenAiEmulator();
    const retries: number[] = [];
    const llm = resilientLlm(createOpenAiLlm({ apiKey: 'wrong', baseUrl: `${emulator.url}/v1` }), { breaker: breaker('t-401'), backoff: { baseMs: 1, maxMs: 5 }, onRetry: ({ attempt }) => retries.push(attempt) });
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
