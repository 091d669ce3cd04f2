// Streaming rational resampler (polyphase FIR): output k reads branch (kM mod L) of the prototype filter over the
// last P input samples. The host designs the filter (dsp/src/resampler.ts) and copies it into the state block, so
// this file only runs it. State layout (f64 slots): up, down, taps, t, then the filter, then the sample buffer.

const R_UP: i32 = 0;
const R_DOWN: i32 = 1;
const R_TAPS: i32 = 2;
const R_T: i32 = 3;
const R_MAX_INPUT: i32 = 4;
const R_HEADER: i32 = 8;

export function resamplerStateBytes(up: i32, taps: i32, maxInput: i32): i32 {
  return (R_HEADER + taps * up + (taps - 1) + maxInput) << 3;
}

/** Where the host writes the taps*up filter coefficients (f64). */
export function resamplerFilterPtr(state: usize): usize {
  return state + (<usize>R_HEADER << 3);
}

export function resamplerInit(state: usize, up: i32, down: i32, taps: i32, maxInput: i32): void {
  store<f64>(state + (<usize>R_UP << 3), <f64>up);
  store<f64>(state + (<usize>R_DOWN << 3), <f64>down);
  store<f64>(state + (<usize>R_TAPS << 3), <f64>taps);
  store<f64>(state + (<usize>R_T << 3), 0.0);
  store<f64>(state + (<usize>R_MAX_INPUT << 3), <f64>maxInput);
  const buffer = resamplerFilterPtr(state) + (<usize>(taps * up) << 3);
  memory.fill(buffer, 0, <usize>(taps - 1) << 3);
}

/** Most output samples one call can produce for `n` input samples. */
export function resamplerMaxOutput(state: usize, n: i32): i32 {
  const up = <i32>load<f64>(state + (<usize>R_UP << 3));
  const down = <i32>load<f64>(state + (<usize>R_DOWN << 3));
  return (n * up) / down + 2;
}

/** Resamples n (<= maxInput) i16 samples at `input` into `output`; returns how many samples it wrote. */
export function resamplerProcess(state: usize, input: usize, n: i32, output: usize): i32 {
  const up = <i32>load<f64>(state + (<usize>R_UP << 3));
  const down = <i32>load<f64>(state + (<usize>R_DOWN << 3));
  const taps = <i32>load<f64>(state + (<usize>R_TAPS << 3));
  let t = <i32>load<f64>(state + (<usize>R_T << 3));
  const filter = resamplerFilterPtr(state);
  const history = taps - 1;
  const buffer = filter + (<usize>(taps * up) << 3);
  for (let i = 0; i < n; i++) store<f64>(buffer + (<usize>(history + i) << 3), <f64>load<i16>(input + (<usize>i << 1)));
  let count = 0;
  for (let m = t / up; m < n; m = t / up) {
    const phase = t - m * up;
    let acc: f64 = 0.0;
    const base = m + history;
    for (let j = 0; j < taps; j++) acc += load<f64>(filter + (<usize>(j * up + phase) << 3)) * load<f64>(buffer + (<usize>(base - j) << 3));
    const rounded = Math.round(acc);
    store<i16>(output + (<usize>count << 1), <i16>(rounded > 32767.0 ? 32767.0 : rounded < -32768.0 ? -32768.0 : rounded));
    count++;
    t += down;
  }
  store<f64>(state + (<usize>R_T << 3), <f64>(t - up * n));
  memory.copy(buffer, buffer + (<usize>n << 3), <usize>history << 3);
  return count;
}
