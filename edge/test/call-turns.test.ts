// How `invorto call` labels turns: played and cut replies in order, each with the caller speech it answers.
import { describe, expect, it } from 'vitest';
import { callTurns } from '../src/sim/call-turns.ts';

describe('call turns', () => {
  it('a caller who waits out the greeting: the greeting answers nothing, the answer has the speech end and latency', () => {
    const turns = callTurns(
      [{ mark: 'reply-0', firstAudioMs: 300, doneMs: 4300 }, { mark: 'reply-1', firstAudioMs: 8100, doneMs: 12000 }],
      [], [7000],
    );
    expect(turns.map((t) => [t.turn, t.mark, t.cut, t.caller_speech_end_s, t.response_latency_ms])).toEqual([
      [0, 'reply-0', false, null, null],
      [1, 'reply-1', false, 7, 1100],
    ]);
  });

  it('a caller who speaks over the greeting: the cut greeting and the answer are two turns, the second with its latency', () => {
    // The greeting starts at 0.3 s; the caller speaks 1.0-2.6 s; the edge clears the greeting at 1.2 s and answers at 3.4 s.
    const turns = callTurns([{ mark: 'reply-1', firstAudioMs: 3400, doneMs: 7000 }], [{ firstAudioMs: 300, cutMs: 1200 }], [2600]);
    expect(turns).toEqual([
      { turn: 0, mark: null, cut: true, caller_speech_end_s: null, agent_first_audio_s: 0.3, agent_done_s: 1.2, response_latency_ms: null },
      { turn: 1, mark: 'reply-1', cut: false, caller_speech_end_s: 2.6, agent_first_audio_s: 3.4, agent_done_s: 7, response_latency_ms: 800 },
    ]);
  });

  it('a reply paused by a backchannel and resumed is one turn', () => {
    const turns = callTurns(
      [{ mark: 'reply-0', firstAudioMs: 1500, doneMs: 6000 }, { mark: 'reply-1', firstAudioMs: 9000, doneMs: 11000 }],
      [{ firstAudioMs: 300, cutMs: 1300 }], [1400, 8000],
    );
    expect(turns.map((t) => [t.mark, t.cut, t.agent_first_audio_s, t.agent_done_s, t.response_latency_ms])).toEqual([
      ['reply-0', false, 0.3, 6, null],
      ['reply-1', false, 9, 11, 1000],
    ]);
  });

  it('a mark the clear itself acknowledged names the cut reply, and is not a turn of its own', () => {
    const turns = callTurns(
      [{ mark: 'reply-0', firstAudioMs: null, doneMs: 4001 }, { mark: 'reply-1', firstAudioMs: 6000, doneMs: 9000 }],
      [{ firstAudioMs: 300, cutMs: 4000 }], [5000],
    );
    expect(turns.map((t) => [t.mark, t.cut, t.response_latency_ms])).toEqual([['reply-0', true, null], ['reply-1', false, 1000]]);
  });
});
