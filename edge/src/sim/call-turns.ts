// The turns of a simulated call as the caller heard them: each agent reply (played to its mark, or cut short when
// the caller spoke over it), the caller speech it answers, and the latency between the two.
import type { CutReply, ReceivedReply } from './carrier-caller.ts';

export interface CallTurn {
  turn: number;
  /** The carrier mark that ended the reply; null when the caller cut it short. */
  mark: string | null;
  /** True when the agent stopped because the caller spoke over it (the edge cleared the carrier's audio). */
  cut: boolean;
  caller_speech_end_s: number | null;
  agent_first_audio_s: number | null;
  agent_done_s: number;
  response_latency_ms: number | null;
}

// The edge names a reply's mark `reply-N` (N counts the call's replies). A cut reply whose remaining audio is later
// played (the caller's sound was a backchannel, and the edge resumed) ends with the mark of that same reply.
const seconds = (ms: number) => Math.round(ms) / 1000;

const replyIndex = (mark: string | null) => (mark && /^reply-(\d+)$/.test(mark) ? Number(mark.slice(6)) : null);

/**
 * Puts played and cut replies in order and gives each the caller's last speech end after the previous reply began
 * (an answer to speech over a greeting is a turn of its own, with its latency). A reply the agent resumed after a
 * pause is one turn.
 */
export function callTurns(replies: ReceivedReply[], cutReplies: CutReply[], callerSpeechEndsMs: number[]): CallTurn[] {
  type Piece = { mark: string | null; cut: boolean; firstAudioMs: number | null; doneMs: number };
  const pieces: Piece[] = [
    ...replies.map((r) => ({ mark: r.mark, cut: false, firstAudioMs: r.firstAudioMs, doneMs: r.doneMs })),
    ...cutReplies.map((c) => ({ mark: null, cut: true, firstAudioMs: c.firstAudioMs, doneMs: c.cutMs })),
  ].sort((a, b) => a.doneMs - b.doneMs);
  const merged: Piece[] = [];
  let lastPlayedIndex = -1;
  for (const piece of pieces) {
    const previous = merged.at(-1);
    const index = replyIndex(piece.mark);
    // A cut reply is the one after the last played. When that same reply's mark comes next with audio, the reply
    // was resumed; with none, the clear itself acknowledged the mark (the carrier acknowledges pending marks at once).
    if (previous?.cut && previous.mark === null && index !== null && index === lastPlayedIndex + 1) {
      merged[merged.length - 1] = piece.firstAudioMs === null
        ? { ...previous, mark: piece.mark }
        : { mark: piece.mark, cut: false, firstAudioMs: previous.firstAudioMs, doneMs: piece.doneMs };
    } else {
      merged.push(piece);
    }
    if (index !== null) lastPlayedIndex = index;
  }
  // Turn 0 is the agent's greeting: it answers nothing, whatever the caller said before it began.
  let windowStartMs = 0;
  return merged.map((piece, turn) => {
    const first = piece.firstAudioMs;
    const callerEndMs = first === null || turn === 0 ? null : callerSpeechEndsMs.filter((end) => end > windowStartMs && end < first).at(-1) ?? null;
    if (first !== null) windowStartMs = first;
    return {
      turn, mark: piece.mark, cut: piece.cut,
      caller_speech_end_s: callerEndMs === null ? null : seconds(callerEndMs),
      agent_first_audio_s: first === null ? null : seconds(first),
      agent_done_s: seconds(piece.doneMs),
      response_latency_ms: callerEndMs === null || first === null ? null : Math.round(first - callerEndMs),
    };
  });
}
