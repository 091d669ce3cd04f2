import { describe, expect, it } from 'vitest';
import { SentenceChunker } from '../src/runtime/sentence-chunker.ts';

function chunk(pieces: string[]): string[] {
  const chunker = new SentenceChunker();
  return [...pieces.flatMap((p) => chunker.push(p)), ...chunker.flush()];
}

describe('SentenceChunker', () => {
  it('emits a sentence as soon as it is complete, before the stream ends', () => {
    const chunker = new SentenceChunker();
    expect(chunker.push('Sure, I can')).toEqual([]);
    expect(chunker.push(' help. Which')).toEqual(['Sure, I can help.']);
    expect(chunker.push(' day?')).toEqual([]);
    expect(chunker.flush()).toEqual(['Which day?']);
  });

  it('does not split on abbreviations or decimals', () => {
    expect(chunk(['Dr. Rao sees you at 3.', '5 hours past noon. Okay!'])).toEqual(['Dr. Rao sees you at 3.5 hours past noon.', 'Okay!']);
  });

  it('splits on question and exclamation marks and on newlines', () => {
    expect(chunk(['Hi! How are you? ', 'Fine.\nNext line'])).toEqual(['Hi!', 'How are you?', 'Fine.', 'Next line']);
  });
});
