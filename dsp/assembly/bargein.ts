// Barge-in: caller speech while the agent plays audio. Two guards: the echo guard ignores inbound energy that the
// agent's own recent audio could explain, and the confirmation window ignores short bursts (clicks, "mm").
// The echo guard learns the line: how far below the agent's level its echo comes back (the echo return loss). On a
// line with no audible echo (a handset with echo cancelling) a soft-spoken caller gets through at once; on a line
// that echoes, only what is louder than the echo does. Until it has heard the line, it assumes 12 dB.
import {
  getSlot, setSlot, S_AGENT_ENV_DB, S_AGENT_SPEAKING, S_AGENT_TALK_MS, S_BARGE_DONE, S_BARGE_GAP_MS, S_BARGE_PEAK_DB, S_BARGE_RUN_MS,
  S_ECHO_BLOCK_AGENT_DB, S_ECHO_BLOCK_INBOUND_DB, S_ECHO_RETURN_DB, S_NOISE_DB,
} from './chain-state';

const CONFIRM_MS: f64 = 80.0;
// A burst this far above the floor is no click or hum: 60 ms of it confirm. A caller's breath before "wait" is such a
// burst, and the quieter glide after it is not speech to a VAD that must not call a -55 dBFS bed speech either.
const LOUD_DB: f64 = 18.0;
const LOUD_CONFIRM_MS: f64 = 60.0;
const ECHO_MARGIN_DB: f64 = 12.0; // the least echo return assumed: inbound within this of the agent's level is the caller
const ECHO_SAFETY_DB: f64 = 6.0; // the caller must be this much above the learned echo level
const MAX_ECHO_RETURN_DB: f64 = 60.0;
const ECHO_LEARN_AFTER_MS: f64 = 500.0; // the echo of the agent's first words is still on its way back
const ECHO_AUDIBLE_DB: f64 = -50.0; // learn only while the agent is loud enough to echo
const ECHO_BLOCK_MS: f64 = 200.0;
const ECHO_ADAPT: f64 = 0.3; // per block
const STRONG_DB: f64 = 15.0; // above the noise floor
const GAP_RESET_MS: f64 = 60.0;

/**
 * Learns the echo return while the agent talks (per 10 ms subframe): in 200 ms blocks, the gap between the agent's
 * loudest level and the loudest inbound level. Echo keeps that gap steady at the line's return loss; silence makes
 * it large. (Caller speech makes it small, but a confirmed barge-in stops the learning.)
 */
function echoReturnStep(state: usize, db: f64, subframeMs: f64): void {
  const talkMs = getSlot(state, S_AGENT_TALK_MS) + subframeMs;
  setSlot(state, S_AGENT_TALK_MS, talkMs);
  if (talkMs <= ECHO_LEARN_AFTER_MS) return;
  const agentDb = getSlot(state, S_AGENT_ENV_DB);
  if (agentDb > getSlot(state, S_ECHO_BLOCK_AGENT_DB)) setSlot(state, S_ECHO_BLOCK_AGENT_DB, agentDb);
  if (db > getSlot(state, S_ECHO_BLOCK_INBOUND_DB)) setSlot(state, S_ECHO_BLOCK_INBOUND_DB, db);
  if ((talkMs - ECHO_LEARN_AFTER_MS) % ECHO_BLOCK_MS != 0.0) return;
  const blockAgentDb = getSlot(state, S_ECHO_BLOCK_AGENT_DB);
  if (blockAgentDb >= ECHO_AUDIBLE_DB) {
    let gap = blockAgentDb - getSlot(state, S_ECHO_BLOCK_INBOUND_DB);
    if (gap > MAX_ECHO_RETURN_DB) gap = MAX_ECHO_RETURN_DB;
    const current = getSlot(state, S_ECHO_RETURN_DB);
    setSlot(state, S_ECHO_RETURN_DB, current + (gap - current) * ECHO_ADAPT);
  }
  setSlot(state, S_ECHO_BLOCK_AGENT_DB, -120.0);
  setSlot(state, S_ECHO_BLOCK_INBOUND_DB, -120.0);
}

/** The level below the agent's under which inbound sound may be its echo. */
@inline
function echoGuardDb(state: usize): f64 {
  const learned = getSlot(state, S_ECHO_RETURN_DB) - ECHO_SAFETY_DB;
  return learned > ECHO_MARGIN_DB ? learned : ECHO_MARGIN_DB;
}

/** Per 10 ms subframe. Returns 1 for a confirmed barge-in, 2 for a burst that ended unconfirmed, else 0. */
export function bargeInStep(state: usize, db: f64, speech: bool, subframeMs: f64): i32 {
  if (getSlot(state, S_AGENT_SPEAKING) == 0.0 || getSlot(state, S_BARGE_DONE) != 0.0) return 0;
  echoReturnStep(state, db, subframeMs);
  const candidate = speech && db > getSlot(state, S_AGENT_ENV_DB) - echoGuardDb(state) && db > getSlot(state, S_NOISE_DB) + STRONG_DB;
  let run = getSlot(state, S_BARGE_RUN_MS);
  if (candidate) {
    run += subframeMs;
    setSlot(state, S_BARGE_GAP_MS, 0.0);
    if (db > getSlot(state, S_BARGE_PEAK_DB)) setSlot(state, S_BARGE_PEAK_DB, db);
    setSlot(state, S_BARGE_RUN_MS, run);
    if (run >= CONFIRM_MS || (run >= LOUD_CONFIRM_MS && getSlot(state, S_BARGE_PEAK_DB) > getSlot(state, S_NOISE_DB) + LOUD_DB)) {
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
