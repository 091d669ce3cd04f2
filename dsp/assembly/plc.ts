// Packet-loss concealment for G.711 after ITU-T G.711 Appendix I: on the first lost frame, find the pitch period
// in the last 48.75 ms of audio and continue the waveform by repeating it (one period for 10 ms, then two, then
// three, so the repetition does not buzz), cross-faded from the real audio over a quarter period; 10 ms in, fade
// 20 % per 10 ms, silent from 60 ms. When audio returns, cross-fade from the concealment to it over 4 ms, plus
// 4 ms per further 10 ms lost (at most 10 ms). State per instance: f64 slots, then the history and pitch buffers.

const P_RATE: i32 = 0;
const P_FRAME: i32 = 1;
const P_HISTORY: i32 = 2;
const P_PITCH: i32 = 3;
const P_POSITION: i32 = 4;
const P_ERASED: i32 = 5;
const P_HEADER: i32 = 8;

@inline function slot(state: usize, i: i32): f64 { return load<f64>(state + (<usize>i << 3)); }
@inline function setSlotValue(state: usize, i: i32, v: f64): void { store<f64>(state + (<usize>i << 3), v); }
@inline function historyPtr(state: usize): usize { return state + (<usize>P_HEADER << 3); }

export function plcStateBytes(sampleRateHz: i32): i32 {
  const history = sampleRateHz * 39 / 800; // 48.75 ms
  return (P_HEADER << 3) + (history << 1);
}

export function plcInit(state: usize, sampleRateHz: i32): void {
  const history = sampleRateHz * 39 / 800;
  memory.fill(state, 0, <usize>plcStateBytes(sampleRateHz));
  setSlotValue(state, P_RATE, <f64>sampleRateHz);
  setSlotValue(state, P_FRAME, <f64>(sampleRateHz / 50));
  setSlotValue(state, P_HISTORY, <f64>history);
}

@inline function sampleAt(state: usize, i: i32): f64 {
  return <f64>load<i16>(historyPtr(state) + (<usize>i << 1));
}

/** Shifts `n` new samples into the history (the last 48.75 ms of what was played). */
function remember(state: usize, pcm: usize, n: i32): void {
  const history = <i32>slot(state, P_HISTORY);
  const h = historyPtr(state);
  memory.copy(h, h + (<usize>n << 1), <usize>(history - n) << 1);
  memory.copy(h + (<usize>(history - n) << 1), pcm, <usize>n << 1);
}

/** Pitch period in samples: the lag (5-15 ms) whose normalised correlation with the last 20 ms is highest. */
function findPitch(state: usize): i32 {
  const rate = <i32>slot(state, P_RATE);
  const history = <i32>slot(state, P_HISTORY);
  const window = rate / 50;
  const minLag = rate / 200;
  const maxLag = rate * 3 / 200;
  let best: f64 = -1.0;
  let bestLag = maxLag;
  for (let lag = minLag; lag <= maxLag; lag++) {
    let cross: f64 = 0.0;
    let energy: f64 = 1.0;
    for (let i = history - window; i < history; i++) {
      const past = sampleAt(state, i - lag);
      cross += sampleAt(state, i) * past;
      energy += past * past;
    }
    const score = cross / Math.sqrt(energy);
    if (score > best) {
      best = score;
      bestLag = lag;
    }
  }
  return bestLag;
}

/** The concealment waveform's sample `n` after the erasure began (before attenuation). */
function continuation(state: usize, n: i32): f64 {
  const history = <i32>slot(state, P_HISTORY);
  const pitch = <i32>slot(state, P_PITCH);
  const rate = <i32>slot(state, P_RATE);
  // One period for the first 10 ms, two up to 20 ms, three after (the history frozen at the erasure's start).
  const periods = n < rate / 100 ? 1 : n < rate / 50 ? 2 : 3;
  const span = pitch * periods;
  const source = history - span + (n % span);
  let value = sampleAt(state, source);
  const quarter = pitch >> 2;
  if (n < quarter && quarter > 0) {
    // Cross-fade from where the real audio would have gone on (one period back) into the repetition.
    const w = <f64>(n + 1) / <f64>(quarter + 1);
    value = w * value + (1.0 - w) * sampleAt(state, history - pitch + n);
  }
  return value;
}

@inline function gainAt(rate: i32, n: i32): f64 {
  const tenMs = rate / 100;
  if (n < tenMs) return 1.0;
  const g = 1.0 - 0.2 * <f64>(n - tenMs) / <f64>tenMs;
  return g > 0.0 ? g : 0.0;
}

/** Writes one concealed frame to `out` (i16). */
export function plcConceal(state: usize, out: usize): void {
  const rate = <i32>slot(state, P_RATE);
  const frame = <i32>slot(state, P_FRAME);
  let erased = <i32>slot(state, P_ERASED);
  if (erased == 0) setSlotValue(state, P_PITCH, <f64>findPitch(state));
  for (let i = 0; i < frame; i++) {
    const n = erased + i;
    const v = Math.round(continuation(state, n) * gainAt(rate, n));
    store<i16>(out + (<usize>i << 1), <i16>(v > 32767.0 ? 32767.0 : v < -32768.0 ? -32768.0 : v));
  }
  setSlotValue(state, P_ERASED, <f64>(erased + frame));
}

/** A real frame (i16, in place): merged with the concealment when it ends an erasure, then remembered. */
export function plcGood(state: usize, pcm: usize): void {
  const rate = <i32>slot(state, P_RATE);
  const frame = <i32>slot(state, P_FRAME);
  const erased = <i32>slot(state, P_ERASED);
  if (erased > 0) {
    const tenMs = rate / 100;
    let merge = rate / 250 + (erased > tenMs ? (rate / 250) * ((erased - tenMs) / tenMs) : 0);
    if (merge > tenMs) merge = tenMs;
    for (let i = 0; i < merge; i++) {
      const w = <f64>(i + 1) / <f64>(merge + 1);
      const concealed = continuation(state, erased + i) * gainAt(rate, erased + i);
      const v = Math.round(w * <f64>load<i16>(pcm + (<usize>i << 1)) + (1.0 - w) * concealed);
      store<i16>(pcm + (<usize>i << 1), <i16>(v > 32767.0 ? 32767.0 : v < -32768.0 ? -32768.0 : v));
    }
    setSlotValue(state, P_ERASED, 0.0);
  }
  remember(state, pcm, frame);
}
