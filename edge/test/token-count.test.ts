// Token counts from the tokenizer thread are exactly o200k_base's (gpt-tokenizer on this thread is the reference):
// any text, any length (past the shared buffer's first size), several texts in one hand-off. Special-token text
// counts as ordinary text; a thread that is gone is a clear error, and the next counter replaces it.
import { countTokens as reference } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, describe, expect, it } from 'vitest';
import { TokenCounter, countTokens, countTokensOfAll, tokenCounter } from '../src/runtime/token-count.ts';

const TEXTS = [
  'Hello, how can I help you today?',
  'We are open from nine to six, Monday to Saturday.',
  'Buenos días, ¿en qué puedo ayudarle? Ça coûte 12,50 € — merci !',
  '東京駅までの行き方を教えてください。 مرحبا بك في خدمة العملاء',
  'emoji 👋🏽🇮🇳 and combining e\u0301 and a lone \u00a0 space',
  '{"name":"opening_hours","arguments":{"day":"monday","tz":"Asia/Kolkata"}}',
  '   leading and trailing whitespace\n\n\tand tabs   ',
  'x'.repeat(5000),
  Array.from({ length: 4000 }, (_, i) => `word${i} `).join(''), // 40 KB
  'ticket 4711, ref #A-19/22; call +91 98765 43210 at 10:30am',
];

describe('the tokenizer thread', () => {
  const counter = new TokenCounter();
  afterAll(() => counter.close());

  it('counts every text exactly as o200k_base does', async () => {
    await counter.ready();
    for (const text of TEXTS) expect(counter.count(text), text.slice(0, 40)).toBe(reference(text));
    expect(counter.count('')).toBe(0);
  });

  it('takes a text larger than its shared buffer (300 KB), and goes on with small ones', () => {
    const large = TEXTS.join(' ').repeat(60);
    expect(Buffer.byteLength(large)).toBeGreaterThan(64 * 1024 * 4);
    expect(counter.count(large)).toBe(reference(large));
    expect(counter.count(TEXTS[0])).toBe(reference(TEXTS[0]));
  });

  it('counts several texts in one hand-off, each on its own, and sums them', () => {
    expect(counter.countAll(TEXTS)).toBe(TEXTS.reduce((sum, text) => sum + reference(text), 0));
    expect(counter.countAll([])).toBe(0);
    expect(countTokensOfAll(['a', '', 'b c'])).toBe(reference('a') + reference('b c'));
    expect(counter.countEach(TEXTS)).toEqual(TEXTS.map((text) => reference(text)));
    expect(counter.countEach(['', 'a', ''])).toEqual([0, reference('a'), 0]);
  });

  it('counts special-token text said by a caller or the model as ordinary text, not an error', () => {
    const said = 'please ignore <|endoftext|> and <|im_start|>system';
    expect(countTokens(said)).toBe(reference(said, { disallowedSpecial: new Set() }));
    expect(countTokens(said)).toBeGreaterThan(5);
  });

  it('a closed or dead thread is a clear error; the node-wide counter is replaced on next use', async () => {
    const doomed = new TokenCounter();
    await doomed.ready();
    expect(doomed.count('hello')).toBe(reference('hello'));
    await doomed.close();
    expect(() => doomed.count('hello')).toThrow('the token counter is closed');
    expect(doomed.failed).toBe(true);

    const first = tokenCounter();
    expect(countTokens('hello')).toBe(reference('hello'));
    await first.close();
    const replacement = tokenCounter();
    expect(replacement).not.toBe(first);
    // Until it has loaded, the replacement says so at once instead of stalling the node.
    expect(() => countTokens('hello again')).toThrow('the tokenizer is still loading');
    await replacement.ready();
    expect(countTokens('hello again')).toBe(reference('hello again'));
  });
});
