// Ducking (turn.overlap "duck"): caller sound over the agent lowers its voice instead of silencing it; it is
// silenced only for words that are not a backchannel or for speech that goes on, and a backchannel or a cough
// brings it back to full voice without a gap.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeMulaw, encodeMulaw } from '@invorto/dsp/g711.ts';
import { InterruptionArbiter, type PendingInterruption } from '../src/runtime/interruption.ts';
import { frameDucker } from '../src/runtime/ducking.ts';

function arbiter() {
  const log: string[] = [];
  let last: PendingInterruption | null = null;
  let audioMs = 1000;
  const a = new InterruptionArbiter({
    pause: (p) => log.push(`pause@${p.pausedMs}`),
    duck: () => log.push('duck'),
    audioNowMs: () => audioMs,
    commit: (p, cause) => { last = p; log.push(`commit:${cause}`); },
    resume: (p, kind) => { last = p; log.push(`resume:${kind}${p.ducked ? ':ducked' : ''}`); },
  }, { sustainedSpeechMs: 1500, resumeGraceMs: 500, maxPendingMs: 4000, duck: true, stopAfterMs: 600 });
  return { a, log, last: () => last, setAudioMs: (ms: number) => { audioMs = ms; } };
}

describe('InterruptionArbiter, ducking', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('a backchannel only ducks the agent, and it comes back to full voice without ever stopping', () => {
    const { a, log, last } = arbiter();
    a.begin('barge-in', 0, 60);
    a.speech(300);
    a.transcript('uh-huh', false);
    a.speechEnded();
    expect(log).toEqual(['duck', 'resume:backchannel:ducked']);
    expect(last()?.ducked).toBe(true);
  });

  it('a cough (no words) is weighed while ducked and resumes as noise', () => {
    const { a, log } = arbiter();
    a.begin('barge-in', 0, 60);
    a.speech(280);
    a.speechEnded();
    vi.advanceTimersByTime(500);
    expect(log).toEqual(['duck', 'resume:noise:ducked']);
  });

  it('words that are not a backchannel silence the agent, then commit', () => {
    const { a, log, last, setAudioMs } = arbiter();
    a.begin('barge-in', 0, 60);
    setAudioMs(1300);
    a.transcript('wait', false);
    expect(log[0]).toBe('duck');
    expect(log[1]).toMatch(/^pause@/);
    expect(log[2]).toBe('commit:words');
    expect(last()?.ducked).toBe(false);
    expect(last()?.audio.pausedMs).toBe(1300); // where in the caller's audio the agent fell silent
  });

  it('speech still going past stopAfterMs silences the agent (sound that keeps going), hangover does not count', () => {
    const { a, log } = arbiter();
    a.begin('barge-in', 0, 60);
    a.speech(400, true);
    a.speech(650, false); // the VAD's hangover after a 400 ms burst: not speech going on
    expect(log).toEqual(['duck']);
    a.speech(660, true);
    expect(log).toEqual(['duck', 'pause@660']);
    a.speechEnded();
    vi.advanceTimersByTime(500);
    expect(log).toEqual(['duck', 'pause@660', 'resume:noise']); // silenced by then: an ordinary resume
  });

  it('the reply ending while ducked settles the interruption and hands over its words', () => {
    const { a, log } = arbiter();
    a.begin('barge-in', 0, 60);
    a.transcript('you', true, 0); // one unsure word: not enough to commit on
    const settled = a.agentFinished();
    expect(settled?.finals).toEqual(['you']);
    expect(a.pending).toBeNull();
    vi.advanceTimersByTime(5000);
    expect(log).toEqual(['duck']); // nothing left to pause, resume or commit
  });

  it('a continuation (nothing audible yet) is never ducked: it pauses as before', () => {
    const { a, log } = arbiter();
    a.begin('continuation', 0, 60);
    expect(log).toEqual(['pause@60']);
    expect(a.agentFinished()).toBeNull();
  });
});

describe('frameDucker', () => {
  it('lowers mu-law audio by 12 dB (within G.711 rounding) and leaves the frame it was given untouched', () => {
    const samples = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
    const frame = encodeMulaw(samples);
    const copy = frame.slice();
    const ducked = decodeMulaw(frameDucker('mulaw')(frame));
    const rms = (x: Int16Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
    const db = 20 * Math.log10(rms(ducked) / rms(decodeMulaw(frame)));
    expect(db).toBeGreaterThan(-12.6);
    expect(db).toBeLessThan(-11.4);
    expect(frame).toEqual(copy);
  });

  it('scales linear PCM samples', () => {
    const frame = new Uint8Array(new Int16Array([10000, -10000, 0, 4]).buffer);
    const out = new Int16Array(frameDucker('l16', -6.0206)(frame).buffer);
    expect([...out]).toEqual([5000, -5000, 0, 2]);
  });
});
