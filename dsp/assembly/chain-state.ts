// Layout of one inbound chain's state block (f64 slots), shared by chain.ts, vad.ts, endpoint.ts and bargein.ts.
// Every call owns its block; nothing here is module-level mutable state.

export const S_SAMPLE_RATE: i32 = 0;
export const S_CODEC: i32 = 1; // 0 mu-law, 1 A-law, 2 PCM16 little-endian
export const S_NOISE_DB: i32 = 2;
export const S_SPEECH_RUN_MS: i32 = 3;
export const S_SILENCE_RUN_MS: i32 = 4;
export const S_IN_SPEECH: i32 = 5;
export const S_SILENCE_MS: i32 = 6;
export const S_EAGERNESS: i32 = 7;
export const S_TURN_OPEN: i32 = 8;
export const S_AGENT_SPEAKING: i32 = 9;
export const S_AGENT_ENV_DB: i32 = 10;
export const S_BARGE_RUN_MS: i32 = 11;
export const S_BARGE_DONE: i32 = 12;
export const S_OUT_RMS_DB: i32 = 13;
export const S_OUT_PROB: i32 = 14;
export const S_OUT_FLAGS: i32 = 15;
export const S_OUT_EOT_CONF: i32 = 16;
export const S_SUBFRAMES: i32 = 17;
export const S_BARGE_GAP_MS: i32 = 18;
export const S_BARGE_PEAK_DB: i32 = 19;
export const S_HPF_X1: i32 = 20;
export const S_HPF_X2: i32 = 21;
export const S_HPF_Y1: i32 = 22;
export const S_HPF_Y2: i32 = 23;
export const S_HPF_B0: i32 = 24;
export const S_HPF_B1: i32 = 25;
export const S_HPF_B2: i32 = 26;
export const S_HPF_A1: i32 = 27;
export const S_HPF_A2: i32 = 28;
export const S_PAUSE_ESTIMATE_MS: i32 = 29;
export const S_LAST_WAIT_MS: i32 = 30;
/** Byte offset in the state block of the high-pass filter's SIMD constants (6 f32x4 vectors, see vad.ts). */
export const HPF_VECTORS_OFFSET: i32 = 32 << 3;
/** After the HPF vectors: how far below the agent's level its echo comes back, and how long the agent has talked. */
export const S_ECHO_RETURN_DB: i32 = 44;
export const S_AGENT_TALK_MS: i32 = 45;
/** Loudest agent and inbound levels in the current 200 ms echo-learning block. */
export const S_ECHO_BLOCK_AGENT_DB: i32 = 46;
export const S_ECHO_BLOCK_INBOUND_DB: i32 = 47;
/** 1 once the VAD has heard digital silence before any audio that could teach it the noise floor. */
export const S_SILENCE_BEFORE_FLOOR: i32 = 48;
export const STATE_SLOTS: i32 = 49;

export const FLAG_SPEECH: i32 = 1;
export const FLAG_SPEECH_STARTED: i32 = 2;
export const FLAG_SPEECH_ENDED: i32 = 4;
export const FLAG_END_OF_TURN: i32 = 8;
export const FLAG_BARGE_IN: i32 = 16;
export const FLAG_BACKCHANNEL: i32 = 32;
/** Speech (debounced) in the first / second 10 ms half of the frame. */
export const FLAG_SPEECH_FIRST_10MS: i32 = 64;
export const FLAG_SPEECH_SECOND_10MS: i32 = 128;

@inline
export function getSlot(state: usize, slot: i32): f64 {
  return load<f64>(state + (<usize>slot << 3));
}

@inline
export function setSlot(state: usize, slot: i32, value: f64): void {
  store<f64>(state + (<usize>slot << 3), value);
}
