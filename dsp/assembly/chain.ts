// The inbound chain: one call per 20 ms frame does decode -> energy -> VAD (two 10 ms decisions) -> endpoint ->
// barge-in. The host allocates chainStateBytes() per call and reads results from the state block.
import { ALAW_DECODE_TABLE, MULAW_DECODE_TABLE } from './g711-tables';
import { rmsToDbfs } from './energy';
import { highpassRms, vadInit, vadStep } from './vad';
import { endpointStep } from './endpoint';
import { agentEnvelopeStep, bargeInStep } from './bargein';
import {
  FLAG_BACKCHANNEL, FLAG_BARGE_IN, FLAG_SPEECH_FIRST_10MS, FLAG_END_OF_TURN, FLAG_SPEECH, FLAG_SPEECH_ENDED, FLAG_SPEECH_STARTED,
  getSlot, setSlot, STATE_SLOTS, S_AGENT_ENV_DB, S_AGENT_SPEAKING, S_BARGE_DONE, S_BARGE_GAP_MS, S_BARGE_PEAK_DB,
  S_BARGE_RUN_MS, S_CODEC, S_ECHO_RETURN_DB, S_AGENT_TALK_MS, S_ECHO_BLOCK_AGENT_DB, S_ECHO_BLOCK_INBOUND_DB, S_EAGERNESS, S_IN_SPEECH, S_OUT_FLAGS, S_OUT_PROB, S_OUT_RMS_DB, S_SAMPLE_RATE,
  S_SILENCE_BEFORE_FLOOR, S_SILENCE_MS, S_SILENCE_RUN_MS, S_SPEECH_RUN_MS, S_SUBFRAMES, S_TURN_OPEN, S_PAUSE_ESTIMATE_MS, S_NOISE_DB,
} from './chain-state';

const ONSET_MS: f64 = 30.0;
const HANGOVER_MS: f64 = 200.0;

function frameSamples(sampleRateHz: i32): i32 {
  return sampleRateHz / 50;
}

export function chainStateBytes(sampleRateHz: i32): i32 {
  // state slots, the decoded inbound frame, and a frame for the agent's audio
  return (STATE_SLOTS << 3) + (frameSamples(sampleRateHz) << 2);
}

export function chainPcmPtr(state: usize): usize {
  return state + (<usize>STATE_SLOTS << 3);
}

function agentPcmPtr(state: usize): usize {
  return chainPcmPtr(state) + (<usize>frameSamples(<i32>getSlot(state, S_SAMPLE_RATE)) << 1);
}

/** Bytes of one 20 ms frame in the chain's codec. */
export function chainFrameBytes(state: usize): i32 {
  const samples = frameSamples(<i32>getSlot(state, S_SAMPLE_RATE));
  return getSlot(state, S_CODEC) == 2.0 ? samples << 1 : samples;
}

export function chainInit(state: usize, sampleRateHz: i32, codec: i32, silenceMs: f64, eagerness: f64): void {
  memory.fill(state, 0, <usize>chainStateBytes(sampleRateHz));
  setSlot(state, S_SAMPLE_RATE, <f64>sampleRateHz);
  setSlot(state, S_CODEC, <f64>codec);
  setSlot(state, S_SILENCE_MS, silenceMs);
  setSlot(state, S_EAGERNESS, eagerness < 0.0 ? 0.0 : eagerness > 1.0 ? 1.0 : eagerness);
  vadInit(state);
  chainReset(state);
}

export function chainReset(state: usize): void {
  setSlot(state, S_NOISE_DB, -120.0);
  setSlot(state, S_SUBFRAMES, 0.0);
  setSlot(state, S_SILENCE_BEFORE_FLOOR, 0.0);
  setSlot(state, S_SPEECH_RUN_MS, 0.0);
  setSlot(state, S_SILENCE_RUN_MS, 0.0);
  setSlot(state, S_IN_SPEECH, 0.0);
  setSlot(state, S_TURN_OPEN, 0.0);
  setSlot(state, S_PAUSE_ESTIMATE_MS, 0.0);
  setSlot(state, S_AGENT_ENV_DB, -120.0);
  setSlot(state, S_BARGE_RUN_MS, 0.0);
  setSlot(state, S_BARGE_GAP_MS, 0.0);
  setSlot(state, S_BARGE_PEAK_DB, -120.0);
  setSlot(state, S_BARGE_DONE, 0.0);
  setSlot(state, S_ECHO_RETURN_DB, 12.0);
  setSlot(state, S_AGENT_TALK_MS, 0.0);
  setSlot(state, S_ECHO_BLOCK_AGENT_DB, -120.0);
  setSlot(state, S_ECHO_BLOCK_INBOUND_DB, -120.0);
}

/** Decodes `samples` samples into `out` and returns the sum of their squares (the frame energy). */
function decodeInto(codec: f64, input: usize, out: usize, samples: i32): f64 {
  if (codec == 0.0) {
    for (let i = 0; i < samples; i++) store<i16>(out + (<usize>i << 1), unchecked(MULAW_DECODE_TABLE[load<u8>(input + <usize>i)]));
  } else if (codec == 1.0) {
    for (let i = 0; i < samples; i++) store<i16>(out + (<usize>i << 1), unchecked(ALAW_DECODE_TABLE[load<u8>(input + <usize>i)]));
  } else {
    memory.copy(out, input, <usize>samples << 1);
  }
  return sumOfSquares(out, samples);
}

/**
 * Sum of squares of i16 samples, eight at a time: i32x4.dot_i16x8_s gives exact pair sums (after -32768 is nudged
 * to -32767, so a lane cannot overflow), widened into i64 lanes. `samples` is a multiple of 8 (10 ms frames are).
 */
function sumOfSquares(ptr: usize, samples: i32): f64 {
  let acc = i64x2.splat(0);
  const floor = i16x8.splat(-32767);
  for (let i = 0; i < samples; i += 8) {
    const x = i16x8.max_s(v128.load(ptr + (<usize>i << 1)), floor);
    const pairs = i32x4.dot_i16x8_s(x, x);
    acc = i64x2.add(acc, i64x2.add(i64x2.extend_low_i32x4_u(pairs), i64x2.extend_high_i32x4_u(pairs)));
  }
  return <f64>(i64x2.extract_lane(acc, 0) + i64x2.extract_lane(acc, 1));
}

/** Processes exactly one 20 ms frame at `input`; returns the FLAG_* bits (also left in the state block). */
export function chainProcess(state: usize, input: usize): i32 {
  const samples = frameSamples(<i32>getSlot(state, S_SAMPLE_RATE));
  const half = samples >> 1;
  const pcm = chainPcmPtr(state);
  const codec = getSlot(state, S_CODEC);
  let flags: i32 = 0;
  let probabilitySum: f64 = 0.0;
  let energySum: f64 = 0.0;
  for (let sub = 0; sub < 2; sub++) {
    const subframe = pcm + (<usize>(sub * half) << 1);
    energySum += decodeInto(codec, input + <usize>(codec == 2.0 ? sub * half * 2 : sub * half), subframe, half) / <f64>half;
    const db = rmsToDbfs(highpassRms(state, subframe, half));
    const probability = vadStep(state, db);
    probabilitySum += probability;
    const raw = probability > 0.5;
    let inSpeech = getSlot(state, S_IN_SPEECH) != 0.0;
    let ended = false;
    let resumedAfterMs: f64 = 0.0;
    if (raw) {
      resumedAfterMs = getSlot(state, S_SILENCE_RUN_MS);
      setSlot(state, S_SPEECH_RUN_MS, getSlot(state, S_SPEECH_RUN_MS) + 10.0);
      setSlot(state, S_SILENCE_RUN_MS, 0.0);
      if (!inSpeech && getSlot(state, S_SPEECH_RUN_MS) >= ONSET_MS) {
        inSpeech = true;
        flags |= FLAG_SPEECH_STARTED;
      }
    } else {
      setSlot(state, S_SPEECH_RUN_MS, 0.0);
      setSlot(state, S_SILENCE_RUN_MS, getSlot(state, S_SILENCE_RUN_MS) + 10.0);
      if (inSpeech && getSlot(state, S_SILENCE_RUN_MS) >= HANGOVER_MS) {
        inSpeech = false;
        ended = true;
        flags |= FLAG_SPEECH_ENDED;
      }
    }
    setSlot(state, S_IN_SPEECH, inSpeech ? 1.0 : 0.0);
    if (inSpeech) flags |= FLAG_SPEECH | (FLAG_SPEECH_FIRST_10MS << sub);
    if (endpointStep(state, ended, inSpeech, resumedAfterMs)) flags |= FLAG_END_OF_TURN;
    const barge = bargeInStep(state, db, raw, 10.0);
    if (barge == 1) flags |= FLAG_BARGE_IN;
    else if (barge == 2) flags |= FLAG_BACKCHANNEL;
  }
  setSlot(state, S_OUT_RMS_DB, rmsToDbfs(Math.sqrt(energySum / 2.0)));
  setSlot(state, S_OUT_PROB, probabilitySum / 2.0);
  setSlot(state, S_OUT_FLAGS, <f64>flags);
  return flags;
}

/** The agent's outbound audio as it is played (one 20 ms frame): feeds the echo guard. */
export function chainAgentAudio(state: usize, input: usize): void {
  const samples = frameSamples(<i32>getSlot(state, S_SAMPLE_RATE));
  const half = samples >> 1;
  const pcm = agentPcmPtr(state);
  const codec = getSlot(state, S_CODEC);
  for (let sub = 0; sub < 2; sub++) {
    const energy = decodeInto(codec, input + <usize>(codec == 2.0 ? sub * half * 2 : sub * half), pcm + (<usize>(sub * half) << 1), half);
    agentEnvelopeStep(state, rmsToDbfs(Math.sqrt(energy / <f64>half)), 10.0);
  }
}

export function chainSetAgentSpeaking(state: usize, speaking: i32): void {
  setSlot(state, S_AGENT_SPEAKING, speaking != 0 ? 1.0 : 0.0);
  setSlot(state, S_AGENT_TALK_MS, 0.0); // the echo return learned so far is the line's, and is kept
  setSlot(state, S_ECHO_BLOCK_AGENT_DB, -120.0);
  setSlot(state, S_ECHO_BLOCK_INBOUND_DB, -120.0);
  setSlot(state, S_BARGE_DONE, 0.0);
  setSlot(state, S_BARGE_RUN_MS, 0.0);
  setSlot(state, S_BARGE_GAP_MS, 0.0);
}

