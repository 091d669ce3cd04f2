// Witnesses that speak while the ASR still owes the caller's latest words wait for them (the strongest kept).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OwedWords } from '../src/runtime/owed-words.ts';
import type { TurnSignal } from '../src/runtime/turn-detector.ts';

afterEach(() => { vi.useRealTimers(); });

describe('owed words', () => {
  it('nothing owed: a witness is weighed at once', () => {
    const weighed: TurnSignal[] = [];
    const owed = new OwedWords((s) => weighed.push(s));
    expect(owed.defer('dsp-endpoint')).toBe(false);
    expect(weighed).toEqual([]);
  });

  it('after speech, witnesses wait; a covering final weighs the strongest of them once', () => {
    const weighed: TurnSignal[] = [];
    const owed = new OwedWords((s) => weighed.push(s));
    owed.speech();
    expect(owed.defer('asr-speech-final')).toBe(true);
    expect(owed.defer('dsp-endpoint')).toBe(true);
    expect(owed.defer('asr-utterance-end')).toBe(true);
    expect(owed.final(149)).toBe(false); // mid-utterance: the last words may be missing
    expect(weighed).toEqual([]);
    expect(owed.final(300)).toBe(true);
    owed.settle();
    expect(weighed).toEqual(['dsp-endpoint']);
    expect(owed.defer('asr-speech-final')).toBe(false);
  });

  it('words that never come (a cough): the witness is weighed after 700 ms on the words there are', () => {
    vi.useFakeTimers();
    const weighed: TurnSignal[] = [];
    const owed = new OwedWords((s) => weighed.push(s));
    owed.speech();
    owed.defer('asr-speech-final');
    vi.advanceTimersByTime(699);
    expect(weighed).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(weighed).toEqual(['asr-speech-final']);
  });

  it('a turn answered meanwhile: the waiting witness is dropped', () => {
    vi.useFakeTimers();
    const weighed: TurnSignal[] = [];
    const owed = new OwedWords((s) => weighed.push(s));
    owed.speech();
    owed.defer('dsp-endpoint');
    owed.reset();
    vi.advanceTimersByTime(1000);
    owed.settle();
    expect(weighed).toEqual([]);
  });
});
