// Energy VAD per 10 ms subframe with an adaptive noise floor: fast to follow the floor down, slow to follow it up,
// and frozen (almost) during speech, so steady noise of any level is learned and speech stands out above it.
import {
  getSlot, setSlot, S_HPF_A1, S_HPF_A2, S_HPF_B0, S_HPF_B1, S_HPF_B2, S_HPF_X1, S_HPF_X2, S_HPF_Y1, S_HPF_Y2, S_NOISE_DB, S_SUBFRAMES,
} from './chain-state';

const HIGHPASS_HZ: f64 = 200.0;

/** Butterworth high-pass coefficients: mains hum and its low harmonics carry no speech information. */
export function vadInit(state: usize, sampleRateHz: f64): void {
  const w0 = 2.0 * Math.PI * HIGHPASS_HZ / sampleRateHz;
  const alpha = Math.sin(w0) / (2.0 * Math.SQRT1_2);
  const cosw = Math.cos(w0);
  const a0 = 1.0 + alpha;
  setSlot(state, S_HPF_B0, (1.0 + cosw) / 2.0 / a0);
  setSlot(state, S_HPF_B1, -(1.0 + cosw) / a0);
  setSlot(state, S_HPF_B2, (1.0 + cosw) / 2.0 / a0);
  setSlot(state, S_HPF_A1, -2.0 * cosw / a0);
  setSlot(state, S_HPF_A2, (1.0 - alpha) / a0);
}

/** RMS of the high-passed subframe (the VAD's view of the audio; the decoded PCM itself is untouched). */
export function highpassRms(state: usize, ptr: usize, n: i32): f64 {
  const b0 = getSlot(state, S_HPF_B0), b1 = getSlot(state, S_HPF_B1), b2 = getSlot(state, S_HPF_B2);
  const a1 = getSlot(state, S_HPF_A1), a2 = getSlot(state, S_HPF_A2);
  let x1 = getSlot(state, S_HPF_X1), x2 = getSlot(state, S_HPF_X2), y1 = getSlot(state, S_HPF_Y1), y2 = getSlot(state, S_HPF_Y2);
  let sum: f64 = 0.0;
  for (let i = 0; i < n; i++) {
    const x = <f64>load<i16>(ptr + (<usize>i << 1));
    const y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1; x1 = x; y2 = y1; y1 = y;
    sum += y * y;
  }
  setSlot(state, S_HPF_X1, x1); setSlot(state, S_HPF_X2, x2); setSlot(state, S_HPF_Y1, y1); setSlot(state, S_HPF_Y2, y2);
  return n > 0 ? Math.sqrt(sum / <f64>n) : 0.0;
}

const MARGIN_DB: f64 = 9.0;
const ABSOLUTE_FLOOR_DBFS: f64 = -58.0;

/** Returns the speech probability of a subframe with energy `db` and updates the noise floor. */
export function vadStep(state: usize, db: f64): f64 {
  const seen = getSlot(state, S_SUBFRAMES);
  let floor = getSlot(state, S_NOISE_DB);
  if (seen == 0.0) floor = db;
  const excess = db - floor - MARGIN_DB;
  const probability = db < ABSOLUTE_FLOOR_DBFS ? 0.0 : 1.0 / (1.0 + Math.exp(-excess / 2.0));
  if (db < floor) floor = 0.7 * floor + 0.3 * db;
  else floor += (probability > 0.5 ? 0.0005 : 0.02) * (db - floor);
  setSlot(state, S_NOISE_DB, floor);
  setSlot(state, S_SUBFRAMES, seen + 1.0);
  return probability;
}
