// Silence endpointing: a turn ends when speech has been followed by enough silence. Eagerness shortens the wait;
// a cut-off lengthens it: when the caller carries on within 250 ms of a declared end of turn, that pause was theirs,
// and later pauses up to 1.1 times it (at most twice the base wait) do not end the turn. The lesson decays
// (half-life about 35 s), so one long pause is forgotten.
import { getSlot, setSlot, S_EAGERNESS, S_OUT_EOT_CONF, S_LAST_WAIT_MS, S_PAUSE_ESTIMATE_MS, S_SILENCE_MS, S_SILENCE_RUN_MS, S_TURN_OPEN } from './chain-state';

const PAUSE_MARGIN: f64 = 1.1;
const PAUSE_DECAY_PER_10MS: f64 = 0.9998;
const CUTOFF_WINDOW_MS: f64 = 250.0;

/**
 * Call once per 10 ms subframe after the VAD. `resumedAfterMs` is the silence that just ended with speech (0 when
 * none). Returns true on the subframe where the end of turn is declared.
 */
export function endpointStep(state: usize, speechEnded: bool, inSpeech: bool, resumedAfterMs: f64): bool {
  let pauses = getSlot(state, S_PAUSE_ESTIMATE_MS) * PAUSE_DECAY_PER_10MS;
  const baseMs = getSlot(state, S_SILENCE_MS) * (1.3 - 0.6 * getSlot(state, S_EAGERNESS));
  const sinceEndMs = resumedAfterMs - getSlot(state, S_LAST_WAIT_MS);
  if (getSlot(state, S_TURN_OPEN) == 0.0 && sinceEndMs >= 0.0 && sinceEndMs <= CUTOFF_WINDOW_MS && resumedAfterMs > pauses) pauses = resumedAfterMs;
  setSlot(state, S_PAUSE_ESTIMATE_MS, pauses);
  if (speechEnded) setSlot(state, S_TURN_OPEN, 1.0);
  if (inSpeech || getSlot(state, S_TURN_OPEN) == 0.0) {
    setSlot(state, S_OUT_EOT_CONF, 0.0);
    return false;
  }
  const adapted = pauses * PAUSE_MARGIN;
  const waitMs = adapted > baseMs ? (adapted < 2.0 * baseMs ? adapted : 2.0 * baseMs) : baseMs;
  const silenceMs = getSlot(state, S_SILENCE_RUN_MS);
  const confidence = silenceMs >= waitMs ? 1.0 : silenceMs / waitMs;
  setSlot(state, S_OUT_EOT_CONF, confidence);
  if (silenceMs < waitMs) return false;
  setSlot(state, S_TURN_OPEN, 0.0);
  setSlot(state, S_LAST_WAIT_MS, waitMs);
  return true;
}
