// Where each transcript line starts in the recording, from the call's events and the caller's channel: agent lines
// from the SPEAKING state change before them, caller lines from the first speech on the caller's channel inside
// the caller's turn (which may sit later than the events say: the edge places caller audio as it arrives).
import { describe, expect, it } from 'vitest';
import { activeLine, lineStarts, type TimelineEvent, type TranscriptLine } from '../src/pages/calls/recording/follow.ts';

const T0 = 1_780_000_000_000;
let seq = 0;
const ev = (atS: number, kind: string, payload: Record<string, unknown> = {}): TimelineEvent => ({ seq: ++seq, tsMs: T0 + atS * 1000, at: new Date(T0 + atS * 1000).toISOString(), kind, payload });
const state = (atS: number, from: string, to: string) => ev(atS, 'stateChanged', { from, to });
const line = (e: TimelineEvent, speaker: string, text: string): TranscriptLine => ({ seq: e.seq, at: e.at, speaker, text });
/** The caller's channel level per 20 ms frame: -100 (silence) except speech at -20 dBFS over the given spans. */
function callerLevels(durationS: number, speech: [number, number][]) {
  const db = new Float32Array(Math.round(durationS / 0.02)).fill(-100);
  for (const [from, to] of speech) for (let f = Math.round(from / 0.02); f < Math.round(to / 0.02); f++) db[f] = -20;
  return { db, frameS: 0.02 };
}

describe('lineStarts', () => {
  it('places the greeting, the caller and the reply as a real call had them (the caller channel 0.55 s late)', () => {
    // The event times of a call recorded through `invorto start` (see docs/dashboard.md); the recording had the
    // caller's speech at 6.14-7.72 s, the agent's at 0.80-4.50 s and 9.18-14.04 s.
    seq = 0;
    const events = [
      ev(0, 'callStarted'), state(0.005, 'IDLE', 'LISTENING'), state(0.006, 'LISTENING', 'PROCESSING'), state(0.565, 'PROCESSING', 'SPEAKING'),
      ev(4.570, 'agentSpeech', { text: 'Hello' }), ev(4.571, 'turn', { agentFirstAudioMs: 11680.8, agentDoneMs: 15686.5 }), state(4.571, 'SPEAKING', 'LISTENING'),
      ev(7.714, 'transcript', { text: 'are you open', isFinal: true, speaker: 'caller' }), state(8.787, 'LISTENING', 'PROCESSING'),
      state(9.167, 'PROCESSING', 'SPEAKING'), ev(14.089, 'agentSpeech', { text: 'We are open from nine' }), state(14.089, 'SPEAKING', 'LISTENING'),
      ev(17.07, 'callEnded'),
    ];
    const lines = [line(events[4]!, 'agent', 'Hello'), line(events[7]!, 'caller', 'are you open'), line(events[10]!, 'agent', 'We are open from nine')];
    const starts = lineStarts(lines, events, callerLevels(17.64, [[6.14, 7.72]]), 17.64);
    expect(starts.map((s) => [s.speaker, Math.round(s.startS * 1000)])).toEqual([['agent', 565], ['caller', 6140], ['agent', 9167]]);
    expect([0.3, 0.6, 5, 6.2, 9, 9.2, 16].map((t) => activeLine(starts, t))).toEqual([null, 5, 5, 8, 8, 11, 11]);
  });

  it('starts a caller who barged in where the barge-in began, and ends the cut agent line there', () => {
    seq = 0;
    const events = [
      ev(0, 'callStarted'), state(0.5, 'PROCESSING', 'SPEAKING'),
      // Barged in at 2.0 s (onset), the agent's audio stopped at 2.2 s, committed at 2.6 s (performance.now() ms).
      ev(2.6, 'agentSpeech', { text: 'Hello, thank', interrupted: true }), ev(2.6, 'bargeIn', { onsetMs: 5000, audioStoppedMs: 5200, committedMs: 5600 }),
      state(2.6, 'SPEAKING', 'LISTENING'), ev(4.0, 'transcript', { text: 'wait, when are you open', isFinal: true }),
      state(5.0, 'PROCESSING', 'SPEAKING'), ev(7.0, 'agentSpeech', { text: 'From nine.' }),
    ];
    const lines = [line(events[2]!, 'agent', 'Hello, thank'), line(events[5]!, 'caller', 'wait, when are you open'), line(events[7]!, 'agent', 'From nine.')];
    // The caller's turn starts at the onset (2.0 s); their channel has the speech from 2.3 s (placed late, as it arrived).
    const starts = lineStarts(lines, events, callerLevels(8, [[2.3, 3.5]]), 8);
    expect(starts.map((s) => Number(s.startS.toFixed(2)))).toEqual([0.5, 2.3, 5]);
    // Without the caller's channel (no levels), the caller's line starts at the barge-in's onset.
    expect(lineStarts(lines, events, null, 8).map((s) => Number(s.startS.toFixed(2)))).toEqual([0.5, 2, 5]);
  });

  it('gives a second caller line in one turn the next burst of speech after a pause, not a dip between words', () => {
    seq = 0;
    const events = [
      ev(0, 'callStarted'), state(0.2, 'PROCESSING', 'SPEAKING'), ev(2, 'agentSpeech', { text: 'Hi' }), state(2, 'SPEAKING', 'LISTENING'),
      ev(4.5, 'transcript', { text: 'I want to book', isFinal: true }), ev(7, 'transcript', { text: 'on Monday', isFinal: true }),
      state(8, 'PROCESSING', 'SPEAKING'), ev(9, 'agentSpeech', { text: 'Booked.' }),
    ];
    const lines = [line(events[2]!, 'agent', 'Hi'), line(events[4]!, 'caller', 'I want to book'), line(events[5]!, 'caller', 'on Monday'), line(events[7]!, 'agent', 'Booked.')];
    // Speech 3.0-3.6 and 3.64-4.2 (a 40 ms dip), a pause, then 5.5-6.5.
    const starts = lineStarts(lines, events, callerLevels(10, [[3.0, 3.6], [3.64, 4.2], [5.5, 6.5]]), 10);
    expect(starts.map((s) => Number(s.startS.toFixed(2)))).toEqual([0.2, 3, 5.5, 8]);
  });

  it('ignores a click: an onset needs speech in 3 of the next 5 frames', () => {
    seq = 0;
    const events = [ev(0, 'callStarted'), state(0.2, 'PROCESSING', 'SPEAKING'), ev(1, 'agentSpeech', { text: 'Hi' }), ev(3, 'transcript', { text: 'yes', isFinal: true })];
    const lines = [line(events[2]!, 'agent', 'Hi'), line(events[3]!, 'caller', 'yes')];
    const starts = lineStarts(lines, events, callerLevels(4, [[1.5, 1.52], [2.0, 2.4]]), 4);
    expect(starts.map((s) => Number(s.startS.toFixed(2)))).toEqual([0.2, 2]);
  });
});
