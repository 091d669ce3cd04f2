// Silence endpointing: a turn ends when speech has been followed by enough silence. Eagerness shortens the wait;
// the caller's own pauses lengthen it: a caller who has paused 900 ms mid-turn (reading out a number, say) gets a
// wait above that, up to twice the base. The estimate of those pauses decays, so one long pause is forgotten.
import { getSlot, setSlot, S_EAGERNESS, S_OUT_EOT_CONF, S_PAUSE_ESTIMATE_MS, S_SILENCE_MS, S_SILENCE_RUN_MS, S_TURN_OPEN } from './chain-state';

const PAUSE_MARGIN: f64 = 1.25;
const PAUSE_DECAY_PER_10MS: f64 = 0.9995;

/**
 * Call once per 10 ms subframe after the VAD. `resumedAfterMs` is the silence that just ended with speech (0 when
 * none). Returns true on the subframe where the end of turn is declared.
 */
export function endpointStep(state: usize, speechEnded: bool, inSpeech: bool, resumedAfterMs: f64): bool {
  let pauses = getSlot(state, S_PAUSE_ESTIMATE_MS) * PAUSE_DECAY_PER_10MS;
  // A pause the caller resumed from (even one we wrongly took for a turn end) teaches how long they pause.
  const baseMs = getSlot(state, S_SILENCE_MS) * (1.3 - 0.6 * getSlot(state, S_EAGERNESS));
  if (resumedAfterMs > pauses && resumedAfterMs <= 2.0 * baseMs) pauses = resumedAfterMs;
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
  return true;
}
