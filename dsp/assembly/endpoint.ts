// Silence endpointing: a turn ends when speech has been followed by enough silence. Eagerness shortens the wait.
import { getSlot, setSlot, S_EAGERNESS, S_OUT_EOT_CONF, S_SILENCE_MS, S_SILENCE_RUN_MS, S_TURN_OPEN } from './chain-state';

/** Call once per subframe after the VAD. Returns true on the subframe where the end of turn is declared. */
export function endpointStep(state: usize, speechEnded: bool, inSpeech: bool): bool {
  if (speechEnded) setSlot(state, S_TURN_OPEN, 1.0);
  if (inSpeech || getSlot(state, S_TURN_OPEN) == 0.0) {
    setSlot(state, S_OUT_EOT_CONF, 0.0);
    return false;
  }
  const waitMs = getSlot(state, S_SILENCE_MS) * (1.3 - 0.6 * getSlot(state, S_EAGERNESS));
  const silenceMs = getSlot(state, S_SILENCE_RUN_MS);
  const confidence = silenceMs >= waitMs ? 1.0 : silenceMs / waitMs;
  setSlot(state, S_OUT_EOT_CONF, confidence);
  if (silenceMs < waitMs) return false;
  setSlot(state, S_TURN_OPEN, 0.0);
  return true;
}
