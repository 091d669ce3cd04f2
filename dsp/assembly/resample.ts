// Streaming rational resampler (polyphase FIR): output k reads branch (kM mod L) of the prototype filter over the
// last P input samples. The host designs the filter (dsp/src/resampler-design.ts) and writes each branch reversed
// as f32, so a dot product runs forward over both arrays four lanes at a time. State layout (f64 slots): up, down,
// taps, t, max input; then the branches (up * taps f32); then the sample buffer (taps - 1 + max input f32).

const R_UP: i32 = 0;
const R_DOWN: i32 = 1;
const R_TAPS: i32 = 2;
const R_T: i32 = 3;
const R_MAX_INPUT: i32 = 4;
const R_HEADER_BYTES: i32 = 64;

export function resamplerStateBytes(up: i32, taps: i32, maxInput: i32): i32 {
  return R_HEADER_BYTES + ((taps * up + taps - 1 + maxInput) << 2);
}

/** Where the host writes the branches: branch p is taps f32s, coefficient j of the prototype at p + (taps-1-i)*up. */
export function resamplerFilterPtr(state: usize): usize {
  return state + <usize>R_HEADER_BYTES;
}

@inline function header(state: usize, slot: i32): i32 {
  return <i32>load<f64>(state + (<usize>slot << 3));
}

export function resamplerInit(state: usize, up: i32, down: i32, taps: i32, maxInput: i32): void {
  store<f64>(state + (<usize>R_UP << 3), <f64>up);
  store<f64>(state + (<usize>R_DOWN << 3), <f64>down);
  store<f64>(state + (<usize>R_TAPS << 3), <f64>taps);
  store<f64>(state + (<usize>R_T << 3), 0.0);
  store<f64>(state + (<usize>R_MAX_INPUT << 3), <f64>maxInput);
  memory.fill(resamplerFilterPtr(state) + (<usize>(taps * up) << 2), 0, <usize>(taps - 1) << 2);
}

/** Most output samples one call can produce for `n` input samples. */
export function resamplerMaxOutput(state: usize, n: i32): i32 {
  return (n * header(state, R_UP)) / header(state, R_DOWN) + 2;
}

/**
 * Resamples n (<= max input) i16 samples at `input` into `output`; returns how many samples it wrote. Each output
 * is a four-lane f32 dot product (taps is a multiple of 4), lanes summed as (l0 + l1) + (l2 + l3).
 */
export function resamplerProcess(state: usize, input: usize, n: i32, output: usize): i32 {
  const up = header(state, R_UP);
  const down = header(state, R_DOWN);
  const taps = header(state, R_TAPS);
  let t = header(state, R_T);
  const branches = resamplerFilterPtr(state);
  const history = taps - 1;
  const buffer = branches + (<usize>(taps * up) << 2);
  for (let i = 0; i < n; i++) store<f32>(buffer + (<usize>(history + i) << 2), <f32>load<i16>(input + (<usize>i << 1)));
  let count = 0;
  for (let m = t / up; m < n; m = t / up) {
    const phase = t - m * up;
    const coefficients = branches + (<usize>(phase * taps) << 2);
    const samples = buffer + (<usize>m << 2); // the oldest of the taps samples ending at input m
    let acc = f32x4.splat(0.0);
    for (let k = 0; k < taps; k += 4) {
      acc = f32x4.add(acc, f32x4.mul(v128.load(coefficients + (<usize>k << 2)), v128.load(samples + (<usize>k << 2))));
    }
    const sum = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
    const rounded = Math.round(<f64>sum);
    store<i16>(output + (<usize>count << 1), <i16>(rounded > 32767.0 ? 32767.0 : rounded < -32768.0 ? -32768.0 : rounded));
    count++;
    t += down;
  }
  store<f64>(state + (<usize>R_T << 3), <f64>(t - up * n));
  memory.copy(buffer, buffer + (<usize>n << 2), <usize>history << 2);
  return count;
}
