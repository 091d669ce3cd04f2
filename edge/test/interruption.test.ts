import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InterruptionArbiter, isEchoOf, isUnsureWord, type PendingInterruption } from '../src/runtime/interruption.ts';

function arbiter() {
  const log: string[] = [];
  let last: PendingInterruption | null = null;
  const a = new InterruptionArbiter({
    pause: () => log.push('pause'),
    commit: (p, cause) => { last = p; log.push(`commit:${cause}`); },
    resume: (p, kind) => { last = p; log.push(`resume:${kind}`); },
  }, { sustainedSpeechMs: 1500, resumeGraceMs: 500, maxPendingMs: 4000 });
  return { a, log, last: () => last };
}

describe('InterruptionArbiter', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('pauses at once, and resumes as soon as the caller falls silent after a backchannel', () => {
    const { a, log, last } = arbiter();
    a.begin('barge-in', 0, 120);
    expect(log).toEqual(['pause']);
    a.transcript('uh-huh', false);
    expect(log).toEqual(['pause']);
    a.speechEnded();
    expect(log).toEqual(['pause', 'resume:backchannel']);
    expect(last()?.text).toBe('uh-huh');
  });

  it('a final backchannel for a burst that already ended resumes at once; without words, the grace period decides', () => {
    const { a, log } = arbiter();
    a.begin('barge-in', 0, 120);
    a.speechEnded();
    vi.advanceTimersByTime(300);
    a.transcript('Okay.', true);
    expect(log).toEqual(['pause', 'resume:backchannel']);
    const quiet = arbiter();
    quiet.a.begin('barge-in', 0, 120);
    quiet.a.speechEnded();
    vi.advanceTimersByTime(499);
    expect(quiet.log).toEqual(['pause']);
    vi.advanceTimersByTime(1);
    expect(quiet.log).toEqual(['pause', 'resume:noise']);
  });

  it('resumes after a sound without words (a cough) as noise', () => {
    const { a, log } = arbiter();
    a.begin('barge-in', 0, 120);
    a.speechEnded();
    vi.advanceTimersByTime(500);
    expect(log).toEqual(['pause', 'resume:noise']);
  });

  it('commits as soon as words that are not a backchannel arrive, keeping the finals for the turn', () => {
    const { a, log, last } = arbiter();
    a.begin('barge-in', 0, 120);
    a.transcript('Okay.', true);
    expect(log).toEqual(['pause']);
    a.transcript('wait', false);
    expect(log).toEqual(['pause', 'commit:words']);
    expect(last()?.finals).toEqual(['Okay.']);
    vi.advanceTimersByTime(10_000);
    expect(log).toHaveLength(2); // decided once; no timer left to decide again
  });

  it('commits on speech that goes on without words, and a new pause can begin afterwards', () => {
    const { a, log } = arbiter();
    a.begin('barge-in', 0, 120);
    a.speech(1000);
    expect(log).toEqual(['pause']);
    a.speech(1500);
    expect(log).toEqual(['pause', 'commit:sustained-speech']);
    a.begin('barge-in', 5000, 5120);
    expect(log.at(-1)).toBe('pause');
  });

  it('never leaves the agent silent: the hard limit decides when speech never ends', () => {
    const { a, log } = arbiter();
    a.begin('barge-in', 0, 120);
    vi.advanceTimersByTime(4000);
    expect(log).toEqual(['pause', 'resume:noise']);
    expect(a.pending).toBeNull();
  });

  it('speech after a pause in the caller\'s words cancels the pending resume', () => {
    const { a, log } = arbiter();
    a.begin('barge-in', 0, 120);
    a.speechEnded();
    vi.advanceTimersByTime(400);
    a.speech(700);
    vi.advanceTimersByTime(600);
    expect(log).toEqual(['pause']);
    a.transcript('no, I said Tuesday', true);
    expect(log).toEqual(['pause', 'commit:words']);
  });

  it('one word its engine cannot vouch for does not commit a short burst: the agent resumes (a cough heard as "you")', () => {
    const { a, log, last } = arbiter();
    a.begin('barge-in', 0, 120);
    a.transcript('you', false, 0);
    expect(log).toEqual(['pause']);
    a.speechEnded();
    a.transcript('you', true, 0);
    expect(log).toEqual(['pause', 'resume:noise']);
    expect(last()?.unsure).toBe(true);
  });

  it('but two unsure words, one sure word, or the unsure word\'s speech going on do commit', () => {
    const twoWords = arbiter();
    twoWords.a.begin('barge-in', 0, 120);
    twoWords.a.transcript('wait', true, 0);
    expect(twoWords.log).toEqual(['pause']);
    twoWords.a.transcript('stop', false, 0);
    expect(twoWords.log).toEqual(['pause', 'commit:words']);
    expect(twoWords.last()?.text).toBe('wait stop');
    const sure = arbiter();
    sure.a.begin('barge-in', 0, 120);
    sure.a.transcript('stop', false, 0.9);
    expect(sure.log).toEqual(['pause', 'commit:words']);
    const sustained = arbiter();
    sustained.a.begin('barge-in', 0, 120);
    sustained.a.transcript('you', false, 0);
    sustained.a.speech(1500);
    expect(sustained.log).toEqual(['pause', 'commit:sustained-speech']);
  });

  it('tells nothing when no pause is pending', () => {
    const { a, log } = arbiter();
    expect(a.transcript('hello', true)).toBe(false);
    a.speechEnded();
    vi.advanceTimersByTime(5000);
    expect(log).toEqual([]);
  });
});

describe('isUnsureWord', () => {
  it('is one short word with no or low confidence', () => {
    expect(isUnsureWord('You.', 0)).toBe(true);
    expect(isUnsureWord('you', 0.3)).toBe(true);
    expect(isUnsureWord('you', 0.9)).toBe(false);
    expect(isUnsureWord('wait stop', 0)).toBe(false);
    expect(isUnsureWord('appointment', 0)).toBe(false);
  });
});

describe('isEchoOf', () => {
  it('recognises the agent\'s own words coming back', () => {
    expect(isEchoOf('which day would suit you', 'Of course. Which day would suit you?')).toBe(true);
    expect(isEchoOf('I need to cancel instead', 'Of course. Which day would suit you?')).toBe(false);
    expect(isEchoOf('you', 'Which day would suit you?')).toBe(false); // one word proves nothing
  });
});
