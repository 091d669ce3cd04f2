import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TurnDetector } from '../src/runtime/turn-detector.ts';

function detector(mode: 'smart' | 'silence', eagerness: number) {
  const ends: string[] = [];
  const holds: { reason: string; holdMs: number }[] = [];
  const d = new TurnDetector({ mode, eagerness }, { end: (cause) => ends.push(cause), held: (reason, holdMs) => holds.push({ reason, holdMs }) });
  return { d, ends, holds };
}

describe('TurnDetector', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('ends a finished turn on the first witness, the ASR\'s quick speech_final included', () => {
    const { d, ends } = detector('smart', 0.5);
    d.signal('asr-speech-final', 'What are your opening hours?');
    expect(ends).toEqual(['asr-speech-final']);
  });

  it('a patient agent waits for the dsp endpoint to agree with speech_final', () => {
    const { d, ends } = detector('smart', 0.2);
    d.signal('asr-speech-final', 'What are your opening hours?');
    expect(ends).toEqual([]);
    d.signal('dsp-endpoint', 'What are your opening hours?');
    expect(ends).toEqual(['dsp-endpoint']);
  });

  it('holds an unfinished number open, longer for a patient agent, and the caller\'s next words cancel the hold', () => {
    const eager = detector('smart', 0.8);
    const patient = detector('smart', 0.2);
    eager.d.signal('asr-speech-final', 'My number is nine eight four five');
    patient.d.signal('asr-speech-final', 'My number is nine eight four five');
    expect(eager.holds[0].reason).toMatch(/phone number has 4 of 10/);
    expect(patient.holds[0].holdMs).toBeGreaterThan(eager.holds[0].holdMs);
    patient.d.speech();
    vi.advanceTimersByTime(10_000);
    expect(patient.ends).toEqual([]);
    expect(eager.ends).toHaveLength(1);
    expect(eager.ends[0]).toMatch(/^hold expired/);
  });

  it('the hold ends the turn at its deadline if the caller stays silent, never waiting forever', () => {
    const { d, ends, holds } = detector('smart', 0.5);
    d.signal('dsp-endpoint', 'I want to book an appointment for');
    d.signal('asr-utterance-end', 'I want to book an appointment for');
    expect(holds).toHaveLength(1);
    vi.advanceTimersByTime(holds[0].holdMs - 1);
    expect(ends).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ends).toHaveLength(1);
  });

  it('silence mode is the fixed timeout: only the silence timer (or the final it waited for) ends a turn', () => {
    const { d, ends, holds } = detector('silence', 0.5);
    d.signal('asr-speech-final', 'What are your opening hours?');
    d.signal('dsp-endpoint', 'My number is');
    expect(ends).toEqual([]);
    d.signal('silence-timeout', 'My number is');
    expect(ends).toEqual(['silence-timeout']);
    expect(holds).toEqual([]);
  });

  it('dispose() leaves no timer behind', () => {
    const { d, ends } = detector('smart', 0.5);
    d.signal('dsp-endpoint', 'and');
    d.dispose();
    vi.advanceTimersByTime(10_000);
    expect(ends).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
