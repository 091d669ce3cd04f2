import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../src/providers/types.ts';
import { CallContext } from '../src/runtime/call-context.ts';

const tools = [{ name: 'lookup_order', description: 'Look up an order', parameters: { type: 'object', properties: { id: { type: 'string' } } } }];

function longCall(turns: number): CallContext {
  const context = new CallContext({ systemPrompt: 'You are a helpful receptionist.', tools, maxTokens: 1000 });
  for (let i = 0; i < turns; i++) {
    context.addUser(`Turn ${i}: I would like to ask about order number ${1000 + i}, please. It has not arrived yet.`);
    if (i % 10 === 5) {
      context.addAssistant('', [{ id: `call_${i}`, name: 'lookup_order', argumentsJson: `{"id":"${1000 + i}"}` }]);
      context.addToolResult(`call_${i}`, `{"ok":true,"result":{"status":"shipped on day ${i}"}}`);
    }
    context.addAssistant(`Order ${1000 + i} is on its way and should arrive within two days. Anything else?`);
  }
  return context;
}

function assertWellFormed(messages: ChatMessage[]): void {
  messages.forEach((message, index) => {
    if (message.role === 'tool') {
      const owner = messages.slice(0, index).reverse().find((m) => m.role === 'assistant' && m.toolCalls?.length);
      expect(owner?.role === 'assistant' && owner.toolCalls?.some((c) => c.id === message.toolCallId)).toBe(true);
    }
    if (message.role === 'assistant' && message.toolCalls?.length) {
      for (const call of message.toolCalls) expect(messages.some((m) => m.role === 'tool' && m.toolCallId === call.id)).toBe(true);
    }
  });
}

describe('CallContext', () => {
  it('prunes a long call to the budget: prompt first, a summary, the latest turns; the full history stays', () => {
    const context = longCall(200);
    context.addUser('And one more question about my refund.');
    const request = context.forRequest();
    expect(context.countTokens(request)).toBeLessThanOrEqual(1000);
    expect(request[0]).toEqual({ role: 'system', content: 'You are a helpful receptionist.' });
    expect(request[1].role).toBe('system');
    expect(request[1].content).toMatch(/^Earlier in this call \(summarised\): /);
    expect(request.at(-1)).toEqual({ role: 'user', content: 'And one more question about my refund.' });
    expect(request.length).toBeGreaterThan(4);
    assertWellFormed(request);
    expect(context.messages.length).toBe(1 + 200 * 2 + 20 * 2 + 1);
    expect(context.stats.prunedMessages).toBeGreaterThan(300);
  });

  it('keeps a tool call and its result together at the pruning boundary, whatever the budget', () => {
    for (let budget = 300; budget <= 1400; budget += 37) {
      const context = new CallContext({ systemPrompt: 'Prompt.', tools, maxTokens: budget });
      for (let i = 0; i < 30; i++) {
        context.addUser(`Question ${i} about order ${i}?`);
        context.addAssistant('', [{ id: `c${i}`, name: 'lookup_order', argumentsJson: `{"id":"${i}"}` }]);
        context.addToolResult(`c${i}`, `{"status":"order ${i} shipped"}`);
        context.addAssistant(`Order ${i} has shipped.`);
      }
      const request = context.forRequest();
      assertWellFormed(request);
      expect(context.countTokens(request)).toBeLessThanOrEqual(budget);
    }
  });

  it('joins a caller who went on talking to their last turn', () => {
    const context = new CallContext({ systemPrompt: 'P', maxTokens: 1000 });
    context.addUser('My number is nine eight four');
    context.extendLastUser('five one two.');
    expect(context.messages.at(-1)).toEqual({ role: 'user', content: 'My number is nine eight four five one two.' });
    context.addAssistant('Thanks.');
    context.extendLastUser('Also my email.');
    expect(context.messages.at(-1)).toEqual({ role: 'user', content: 'Also my email.' });
  });

  it('resumes a saved conversation under the current prompt, and reports each change', () => {
    const saved: ChatMessage[] = [{ role: 'system', content: 'old prompt' }, { role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }];
    const context = new CallContext({ systemPrompt: 'new prompt', maxTokens: 1000 }, saved);
    expect(context.messages).toEqual([{ role: 'system', content: 'new prompt' }, saved[1], saved[2]]);
    const seen: number[] = [];
    context.onChange = (messages) => seen.push(messages.length);
    context.addUser('again');
    context.addAssistant('');
    expect(seen).toEqual([4]);
  });

  it('refuses a prompt and tools over the budget, saying what to change', () => {
    expect(() => new CallContext({ systemPrompt: 'word '.repeat(600), maxTokens: 500 })).toThrow(/over the context budget of 500: raise contextTokens or shorten the prompt/);
  });

  it('never drops the caller\'s latest words: one huge message is cut from the front', () => {
    const context = new CallContext({ systemPrompt: 'P', maxTokens: 600 });
    context.addUser(`${'blah '.repeat(3000)}and my question is about my refund.`);
    const request = context.forRequest();
    expect(request).toHaveLength(2);
    expect(request[1].content).toMatch(/and my question is about my refund\.$/);
    expect(context.countTokens(request)).toBeLessThanOrEqual(600);
  });

  it('counts tokens with the model\'s tokenizer, plus the per-message framing', () => {
    const context = new CallContext({ systemPrompt: 'You are a helpful receptionist.', maxTokens: 1000 });
    const text = 'Namaste! I would like to reschedule my appointment to 3:30 pm on Tuesday.';
    expect(context.countTokens([{ role: 'user', content: text }])).toBe(countTokens(text) + 4 + countTokens('[]'));
  });

  it('counts each agent\'s prompt and tools exactly, though calls share the counts', () => {
    const tools = [{ name: 'book', description: 'Books a table', parameters: { type: 'object', properties: { time: { type: 'string' } } } }];
    const toolTokens = countTokens(JSON.stringify(tools));
    for (const prompt of ['You are a receptionist.', 'You are a receptionist at a clinic in Pune.', 'You are a receptionist.']) {
      const context = new CallContext({ systemPrompt: prompt, tools, maxTokens: 1000 });
      expect(context.countTokens(context.messages.slice(0, 1))).toBe(countTokens(prompt) + 4 + toolTokens);
      context.setStandingNote('The caller speaks Hindi.');
      expect(context.countTokens(context.messages.slice(0, 1))).toBe(countTokens(`${prompt}\n\nThe caller speaks Hindi.`) + 4 + toolTokens);
    }
  });
});
