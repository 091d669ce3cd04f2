// Energy VAD per 10 ms subframe with an adaptive noise floor: fast to follow the floor down, slow to follow it up,
// and frozen (almost) during speech, so steady noise of any level is learned and speech stands out above it.
// Digital silence (exact zeros: a mobile line's discontinuous transmission, comfort-noise gaps) says nothing about
// the noise floor, so the floor does not learn from it: when the caller's noise bed comes back with their voice, it
// is measured against the floor of the last audio heard, not against -120 dBFS.
import {
  getSlot, setSlot, HPF_VECTORS_OFFSET, S_HPF_A1, S_HPF_A2, S_HPF_B0, S_HPF_B1, S_HPF_B2, S_HPF_X1, S_HPF_X2, S_HPF_Y1, S_HPF_Y2, S_NOISE_DB, S_SAMPLE_RATE, S_SILENCE_BEFORE_FLOOR, S_SUBFRAMES,
} from './chain-state';

const HIGHPASS_HZ: f64 = 200.0;
const DECIMATED_RATE_HZ: f64 = 4000.0;
const MARGIN_DB: f64 = 9.0;
const ABSOLUTE_FLOOR_DBFS: f64 = -58.0;
/** Below this the subframe is digital silence: mu-law's smallest non-zero step is about -72 dBFS. */
const DIGITAL_SILENCE_DBFS: f64 = -90.0;
/**
 * The floor assumed when a call starts in digital silence, for its first audio: a quiet line's noise (the lowest a
 * handset's noise bed usually sits) rather than that audio itself, which on a DTX line is the caller's first word.
 */
const FLOOR_AFTER_SILENCE_DBFS: f64 = -60.0;

/**
 * Butterworth high-pass coefficients: mains hum and its low harmonics carry no speech information. The all-pole
 * half of the filter also runs four samples at a time: for a block, y = M.f + P.y[-1] + Q.y[-2], with M the
 * lower-triangular matrix of the all-pole impulse response and P, Q its response to the carried state; those six
 * f32x4 columns are precomputed here.
 */
export function vadInit(state: usize): void {
  // The filter runs at the VAD's 4 kHz rate (see highpassRms), whatever the call's rate.
  const w0 = 2.0 * Math.PI * HIGHPASS_HZ / DECIMATED_RATE_HZ;
  const alpha = Math.sin(w0) / (2.0 * Math.SQRT1_2);
  const cosw = Math.cos(w0);
  const a0 = 1.0 + alpha;
  const a1 = -2.0 * cosw / a0;
  const a2 = (1.0 - alpha) / a0;
  setSlot(state, S_HPF_B0, (1.0 + cosw) / 2.0 / a0);
  setSlot(state, S_HPF_B1, -(1.0 + cosw) / a0);
  setSlot(state, S_HPF_B2, (1.0 + cosw) / 2.0 / a0);
  setSlot(state, S_HPF_A1, a1);
  setSlot(state, S_HPF_A2, a2);
  const h1 = -a1;
  const h2 = -a1 * h1 - a2;
  const h3 = -a1 * h2 - a2 * h1;
  const p0 = -a1, p1 = -a1 * p0 - a2, p2 = -a1 * p1 - a2 * p0, p3 = -a1 * p2 - a2 * p1;
  const q0 = -a2, q1 = -a1 * q0, q2 = -a1 * q1 - a2 * q0, q3 = -a1 * q2 - a2 * q1;
  const v = state + <usize>HPF_VECTORS_OFFSET;
  v128.store(v, f32x4(1.0, <f32>h1, <f32>h2, <f32>h3));
  v128.store(v + 16, f32x4(0.0, 1.0, <f32>h1, <f32>h2));
  v128.store(v + 32, f32x4(0.0, 0.0, 1.0, <f32>h1));
  v128.store(v + 48, f32x4(0.0, 0.0, 0.0, 1.0));
  v128.store(v + 64, f32x4(<f32>p0, <f32>p1, <f32>p2, <f32>p3));
  v128.store(v + 80, f32x4(<f32>q0, <f32>q1, <f32>q2, <f32>q3));
}

/** Four samples of the subframe decimated to 4 kHz (means of 2 or 4 input samples), as f32x4. */
@inline
function decimated4(at: usize, factor: i32): v128 {
  if (factor == 2) {
    const pairs = i32x4.extadd_pairwise_i16x8_s(v128.load(at));
    return f32x4.mul(f32x4.convert_i32x4_s(pairs), f32x4.splat(0.5));
  }
  const a = i32x4.extadd_pairwise_i16x8_s(v128.load(at));
  const b = i32x4.extadd_pairwise_i16x8_s(v128.load(at + 16));
  const quads = i32x4.add(v128.shuffle<i32>(a, b, 0, 2, 4, 6), v128.shuffle<i32>(a, b, 1, 3, 5, 7));
  return f32x4.mul(f32x4.convert_i32x4_s(quads), f32x4.splat(0.25));
}

/**
 * RMS of the subframe decimated to 4 kHz and high-passed: the VAD listens to 0.2-2 kHz, where voiced speech is and
 * hum, rumble and most hiss are not. Four output samples per step in f32x4; the decoded PCM is untouched.
 */
export function highpassRms(state: usize, ptr: usize, n: i32): f64 {
  const factor = <i32>getSlot(state, S_SAMPLE_RATE) / 4000;
  const b0 = f32x4.splat(<f32>getSlot(state, S_HPF_B0));
  const b1 = f32x4.splat(<f32>getSlot(state, S_HPF_B1));
  const b2 = f32x4.splat(<f32>getSlot(state, S_HPF_B2));
  const v = state + <usize>HPF_VECTORS_OFFSET;
  const c0 = v128.load(v), c1 = v128.load(v + 16), c2 = v128.load(v + 32), c3 = v128.load(v + 48);
  const p = v128.load(v + 64), q = v128.load(v + 80);
  let y1 = <f32>getSlot(state, S_HPF_Y1);
  let y2 = <f32>getSlot(state, S_HPF_Y2);
  let previous = f32x4(0.0, 0.0, <f32>getSlot(state, S_HPF_X2), <f32>getSlot(state, S_HPF_X1));
  let energy = f32x4.splat(0.0);
  const step = <usize>(factor << 3); // bytes of input per four decimated samples
  let count = 0;
  for (let at = ptr, end = ptr + (<usize>n << 1); at < end; at += step) {
    const x0 = decimated4(at, factor);
    const x1 = v128.shuffle<f32>(previous, x0, 3, 4, 5, 6);
    const x2 = v128.shuffle<f32>(previous, x0, 2, 3, 4, 5);
    previous = x0;
    const f = f32x4.add(f32x4.add(f32x4.mul(b0, x0), f32x4.mul(b1, x1)), f32x4.mul(b2, x2));
    let y = f32x4.mul(f32x4.splat(f32x4.extract_lane(f, 0)), c0);
    y = f32x4.add(y, f32x4.mul(f32x4.splat(f32x4.extract_lane(f, 1)), c1));
    y = f32x4.add(y, f32x4.mul(f32x4.splat(f32x4.extract_lane(f, 2)), c2));
    y = f32x4.add(y, f32x4.mul(f32x4.splat(f32x4.extract_lane(f, 3)), c3));
    y = f32x4.add(y, f32x4.add(f32x4.mul(f32x4.splat(y1), p), f32x4.mul(f32x4.splat(y2), q)));
    energy = f32x4.add(energy, f32x4.mul(y, y));
    y1 = f32x4.extract_lane(y, 3);
    y2 = f32x4.extract_lane(y, 2);
    count += 4;
  }
  setSlot(state, S_HPF_X1, <f64>f32x4.extract_lane(previous, 3));
  setSlot(state, S_HPF_X2, <f64>f32x4.extract_lane(previous, 2));
  setSlot(state, S_HPF_Y1, <f64>y1);
  setSlot(state, S_HPF_Y2, <f64>y2);
  const sum = <f64>f32x4.extract_lane(energy, 0) + <f64>f32x4.extract_lane(energy, 1) + <f64>f32x4.extract_lane(energy, 2) + <f64>f32x4.extract_lane(energy, 3);
  return count > 0 ? Math.sqrt(sum / <f64>count) : 0.0;
}

/** Returns the speech probability of a subframe with energy `db` and updates the noise floor. */
export function vadStep(state: usize, db: f64): f64 {
  if (db <= DIGITAL_SILENCE_DBFS) {
    if (getSlot(state, S_SUBFRAMES) == 0.0) setSlot(state, S_SILENCE_BEFORE_FLOOR, 1.0);
    return 0.0;
  }
  const seen = getSlot(state, S_SUBFRAMES);
  let floor = getSlot(state, S_NOISE_DB);
  if (seen == 0.0) floor = getSlot(state, S_SILENCE_BEFORE_FLOOR) != 0.0 && db > FLOOR_AFTER_SILENCE_DBFS ? FLOOR_AFTER_SILENCE_DBFS : db;
  const excess = db - floor - MARGIN_DB;
  const probability = db < ABSOLUTE_FLOOR_DBFS ? 0.0 : 1.0 / (1.0 + Math.exp(-excess / 2.0));
  if (db < floor) floor = 0.7 * floor + 0.3 * db;
  else floor += (probability > 0.5 ? 0.0005 : 0.02) * (db - floor);
  setSlot(state, S_NOISE_DB, floor);
  setSlot(state, S_SUBFRAMES, seen + 1.0);
  return probability;
}
