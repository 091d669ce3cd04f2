// The OpenAI adapter through the real `openai` package against the loopback OpenAI emulator.
import { afterEach, describe, expect, it } from 'vitest';
import { ruleResponder, startOpenAiEmulator, type OpenAiEmulator } from '../../testing/emulators/index.ts';
import { createOpenAiLlm } from '../../src/providers/openai/llm.ts';
import type { LlmChunk } from '../../src/providers/types.ts';
import { CallContext } from '../../src/runtime/call-context.ts';
import { countTokens, countTokensOfAll } from '../../src/runtime/token-count.ts';

async function collect(stream: AsyncIterable<LlmChunk>): Promise<LlmChunk[]> {
  const chunks: LlmChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('OpenAI LLM adapter', () => {
  let emulator: OpenAiEmulator;
  afterEach(async () => { await emulator?.close(); });

  it('streams text, asks for usage, and reports it', async () => {
    emulator = await startOpenAiEmulator({ responder: ruleResponder([{ when: /hours/, reply: { text: 'We open at nine. We close at six.' } }]) });
    const llm = createOpenAiLlm({ apiKey: 'test-openai-key', baseUrl: `${emulator.url}/v1` });
    const chunks = await collect(llm.stream({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'What are your hours?' }], signal: new AbortController().signal }));
    const text = chunks.filter((c) => c.type === 'text').map((c) => (c as { text: string }).text).join('');
    expect(text).toBe('We open at nine. We close at six.');
    expect(chunks.filter((c) => c.type === 'text').length).toBeGreaterThan(3);
    const usage = chunks.at(-1)!;
    expect(usage).toMatchObject({ type: 'usage', model: 'gpt-4o-mini' });
    expect((usage as { outputTokens: number }).outputTokens).toBeGreaterThan(0);
    const body = emulator.requests[0].body;
    expect(body).toMatchObject({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true } });
    expect(emulator.requests[0].authorization).toBe('Bearer test-openai-key');
  });

  it("reports the prompt tokens OpenAI read from its prompt cache (usage.prompt_tokens_details.cached_tokens)", async () => {
    emulator = await startOpenAiEmulator({ responder: () => ({ text: 'Noted.' }), cachedPromptTokens: 24 });
    const llm = createOpenAiLlm({ apiKey: 'test-openai-key', baseUrl: `${emulator.url}/v1` });
    const system = 'You are the front desk of a dental clinic. Answer briefly and politely, in one or two sentences.';
    const chunks = await collect(llm.stream({ messages: [{ role: 'system', content: system }, { role: 'user', content: 'Hello there' }], signal: new AbortController().signal }));
    // The emulator counts a quarter token a character: 24 + 3 tokens of prompt, 24 of them cached.
    expect(chunks.at(-1)).toEqual({ type: 'usage', inputTokens: 27, cachedInputTokens: 24, outputTokens: 2, model: 'gpt-4o-mini' });
  });

  it('assembles a tool call split over many deltas', async () => {
    const args = { date: '2026-12-01', time: '10:30', name: 'Asha Rao', notes: 'first visit, prefers mornings' };
    emulator = await startOpenAiEmulator({ responder: () => ({ toolCalls: [{ name: 'book_appointment', arguments: args }] }) });
    const llm = createOpenAiLlm({ apiKey: 'test-openai-key', baseUrl: `${emulator.url}/v1` });
    const tools = [{ name: 'book_appointment', description: 'Books a visit', parameters: { type: 'object', properties: { date: { type: 'string' } } } }];
    const chunks = await collect(llm.stream({ messages: [{ role: 'user', content: 'Book me in' }], tools, signal: new AbortController().signal }));
    const calls = chunks.filter((c) => c.type === 'tool_call');
    expect(calls).toHaveLength(1);
    const call = (calls[0] as Extract<LlmChunk, { type: 'tool_call' }>).call;
    expect(call.name).toBe('book_appointment');
    expect(call.id).toMatch(/^call_/);
    expect(JSON.parse(call.argumentsJson)).toEqual(args);
    expect((emulator.requests[0].body.tools as unknown[]).length).toBe(1);
  });

  it('counts tokens itself when the stream is cut before usage arrives', async () => {
    emulator = await startOpenAiEmulator({ responder: () => ({ text: 'one two three four five six seven eight' }), faults: [{ kind: 'drop-after-chunks', chunks: 4 }] });
    const llm = createOpenAiLlm({ apiKey: 'test-openai-key', baseUrl: `${emulator.url}/v1` });
    const chunks: LlmChunk[] = [];
    await expect((async () => { for await (const c of llm.stream({ messages: [{ role: 'user', content: 'count' }], signal: new AbortController().signal })) chunks.push(c); })()).rejects.toThrow(/OpenAI stream failed/);
    const text = chunks.filter((c) => c.type === 'text').map((c) => c.text).join('');
    expect(text.length).toBeGreaterThan(0);
    // What was sent and what arrived before the cut were paid for: counted locally, o200k as OpenAI counts.
    const usage = chunks.filter((c) => c.type === 'usage');
    expect(usage).toEqual([{ type: 'usage', inputTokens: countTokensOfAll(['count']), cachedInputTokens: 0, outputTokens: countTokens(text), model: 'gpt-4o-mini' }]);
  });

  it('names the fix when the key is wrong', async () => {
    emulator = await startOpenAiEmulator();
    const llm = createOpenAiLlm({ apiKey: 'wrong', baseUrl: `${emulator.url}/v1` });
    await expect(collect(llm.stream({ messages: [{ role: 'user', content: 'hi' }], signal: new AbortController().signal }))).rejects.toThrow(/OPENAI_API_KEY/);
  });

  it('a long call\'s context is pruned to its budget before the request, so the provider never refuses it', async () => {
    emulator = await startOpenAiEmulator({ contextWindowTokens: 4000, responder: ruleResponder([], { text: 'Noted.' }) });
    const llm = createOpenAiLlm({ apiKey: 'test-openai-key', baseUrl: `${emulator.url}/v1` });
    const context = new CallContext({ systemPrompt: 'You are a helpful receptionist. Answer briefly.', maxTokens: 3500 });
    for (let turn = 0; turn < 150; turn++) {
      context.addUser(`Turn ${turn}: my order number is ${100000 + turn} and I would like to know when it will be delivered to my address.`);
      context.addAssistant(`Order ${100000 + turn} leaves the warehouse tomorrow and should arrive within three working days.`);
    }
    context.addUser('And what about the last one?');
    const signal = new AbortController().signal;
    // The whole conversation is over the model's window: the emulator refuses it as OpenAI would.
    await expect(collect(llm.stream({ messages: [...context.messages], signal }))).rejects.toThrow(/context length|context_length_exceeded/);
    const pruned = context.forRequest();
    const chunks = await collect(llm.stream({ messages: pruned, signal }));
    expect(chunks.filter((c) => c.type === 'text').map((c) => (c as { text: string }).text).join('')).toBe('Noted.');
    expect(context.countTokens(pruned)).toBeLessThanOrEqual(3500);
    expect(pruned.at(-1)).toEqual({ role: 'user', content: 'And what about the last one?' });
  });
});
