// Barge-in: caller speech while the agent plays audio. Two guards: the echo guard ignores inbound energy that the
// agent's own recent audio could explain, and the confirmation window ignores short bursts (coughs, "mm").
import {
  getSlot, setSlot, S_AGENT_ENV_DB, S_AGENT_SPEAKING, S_BARGE_DONE, S_BARGE_GAP_MS, S_BARGE_PEAK_DB, S_BARGE_RUN_MS, S_NOISE_DB,
} from './chain-state';

const CONFIRM_MS: f64 = 120.0;
const ECHO_MARGIN_DB: f64 = 12.0; // inbound must be within this of the agent's level to be the caller, not echo
const STRONG_DB: f64 = 15.0; // above the noise floor
const GAP_RESET_MS: f64 = 60.0;

/** Per 10 ms subframe. Returns 1 for a confirmed barge-in, 2 for a burst that ended unconfirmed, else 0. */
export function bargeInStep(state: usize, db: f64, speech: bool, subframeMs: f64): i32 {
  if (getSlot(state, S_AGENT_SPEAKING) == 0.0 || getSlot(state, S_BARGE_DONE) != 0.0) return 0;
  const candidate = speech && db > getSlot(state, S_AGENT_ENV_DB) - ECHO_MARGIN_DB && db > getSlot(state, S_NOISE_DB) + STRONG_DB;
  let run = getSlot(state, S_BARGE_RUN_MS);
  if (candidate) {
    run += subframeMs;
    setSlot(state, S_BARGE_GAP_MS, 0.0);
    if (db > getSlot(state, S_BARGE_PEAK_DB)) setSlot(state, S_BARGE_PEAK_DB, db);
    setSlot(state, S_BARGE_RUN_MS, run);
    if (run >= CONFIRM_MS) {
      setSlot(state, S_BARGE_DONE, 1.0);
      return 1;
    }
    return 0;
  }
  if (run == 0.0) return 0;
  const gap = getSlot(state, S_BARGE_GAP_MS) + subframeMs;
  setSlot(state, S_BARGE_GAP_MS, gap);
  if (gap < GAP_RESET_MS) return 0;
  setSlot(state, S_BARGE_RUN_MS, 0.0);
  setSlot(state, S_BARGE_PEAK_DB, -120.0);
  return 2;
}

/** The agent's outbound audio level: a peak envelope that decays 50 dB per second, covering the echo tail. */
export function agentEnvelopeStep(state: usize, db: f64, subframeMs: f64): void {
  const decayed = getSlot(state, S_AGENT_ENV_DB) - 0.05 * subframeMs;
  setSlot(state, S_AGENT_ENV_DB, db > decayed ? db : decayed);
}
