// Frame energy: RMS over i16 samples (full scale 32768) and its dBFS. Silence is -120 dBFS, never -Infinity or NaN.

export const SILENCE_DBFS: f64 = -120.0;

export function frameRms(ptr: usize, n: i32): f64 {
  if (n <= 0) return 0.0;
  let sum: f64 = 0.0;
  for (let i = 0; i < n; i++) {
    const s = <f64>load<i16>(ptr + (<usize>i << 1));
    sum += s * s;
  }
  return Math.sqrt(sum / <f64>n);
}

/** dBFS of an RMS value, full-scale sine = -3.01 dBFS (the AES17 convention would add 3.01; we do not). */
export function rmsToDbfs(rms: f64): f64 {
  if (!(rms > 0.0)) return SILENCE_DBFS;
  const db = 20.0 * Math.log10(rms / 32768.0);
  return db < SILENCE_DBFS ? SILENCE_DBFS : db;
}

// ---- Prosody features: what an emotion/prosody classifier reads from a frame --------------------------------

export const FEATURE_RMS: i32 = 0;
export const FEATURE_DBFS: i32 = 1;
export const FEATURE_ZCR: i32 = 2;
export const FEATURE_CENTROID_HZ: i32 = 3;
export const FEATURE_PITCH_HZ: i32 = 4;
export const FEATURE_VOICING: i32 = 5;
export const FEATURE_COUNT: i32 = 6;

const FFT_SIZE: i32 = 512;
const MIN_PITCH_HZ: f64 = 60.0;
const MAX_PITCH_HZ: f64 = 400.0;
const VOICING_THRESHOLD: f64 = 0.35;

/** Bytes of scratch `frameFeatures` needs (the FFT's real and imaginary parts). */
export function featureScratchBytes(): i32 {
  return FFT_SIZE << 4;
}

/**
 * Writes FEATURE_COUNT f64 values at `out` for `n` i16 samples at `ptr` (n <= 512): RMS, dBFS, zero-crossing rate
 * (crossings per sample), spectral centroid (Hz, Hann-windowed power spectrum), pitch (Hz, 0 when unvoiced: the
 * normalised autocorrelation peak between 60 and 400 Hz) and its voicing strength (that peak, 0..1).
 */
export function frameFeatures(ptr: usize, n: i32, sampleRateHz: i32, scratch: usize, out: usize): void {
  const rms = frameRms(ptr, n);
  store<f64>(out + (<usize>FEATURE_RMS << 3), rms);
  store<f64>(out + (<usize>FEATURE_DBFS << 3), rmsToDbfs(rms));
  let crossings = 0;
  for (let i = 1; i < n; i++) {
    const a = load<i16>(ptr + (<usize>(i - 1) << 1));
    const b = load<i16>(ptr + (<usize>i << 1));
    if ((a >= 0) != (b >= 0)) crossings++;
  }
  store<f64>(out + (<usize>FEATURE_ZCR << 3), n > 1 ? <f64>crossings / <f64>(n - 1) : 0.0);
  store<f64>(out + (<usize>FEATURE_CENTROID_HZ << 3), spectralCentroid(ptr, n, sampleRateHz, scratch));
  pitch(ptr, n, sampleRateHz, out);
}

function spectralCentroid(ptr: usize, n: i32, sampleRateHz: i32, scratch: usize): f64 {
  const re = scratch;
  const im = scratch + (<usize>FFT_SIZE << 3);
  for (let i = 0; i < FFT_SIZE; i++) {
    let v: f64 = 0.0;
    if (i < n) v = <f64>load<i16>(ptr + (<usize>i << 1)) * (0.5 - 0.5 * Math.cos(2.0 * Math.PI * <f64>i / <f64>(n - 1)));
    store<f64>(re + (<usize>i << 3), v);
    store<f64>(im + (<usize>i << 3), 0.0);
  }
  fft(re, im, FFT_SIZE);
  let weighted: f64 = 0.0;
  let total: f64 = 0.0;
  for (let k = 1; k <= FFT_SIZE / 2; k++) {
    const x = load<f64>(re + (<usize>k << 3));
    const y = load<f64>(im + (<usize>k << 3));
    const power = x * x + y * y;
    weighted += power * (<f64>k * <f64>sampleRateHz / <f64>FFT_SIZE);
    total += power;
  }
  return total > 0.0 ? weighted / total : 0.0;
}

/** In-place iterative radix-2 FFT over f64 arrays of length `size` (a power of two). */
function fft(re: usize, im: usize, size: i32): void {
  for (let i = 1, j = 0; i < size; i++) {
    let bit = size >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const tr = load<f64>(re + (<usize>i << 3)); store<f64>(re + (<usize>i << 3), load<f64>(re + (<usize>j << 3))); store<f64>(re + (<usize>j << 3), tr);
      const ti = load<f64>(im + (<usize>i << 3)); store<f64>(im + (<usize>i << 3), load<f64>(im + (<usize>j << 3))); store<f64>(im + (<usize>j << 3), ti);
    }
  }
  for (let length = 2; length <= size; length <<= 1) {
    const angle = -2.0 * Math.PI / <f64>length;
    const wr = Math.cos(angle);
    const wi = Math.sin(angle);
    for (let start = 0; start < size; start += length) {
      let cr: f64 = 1.0;
      let ci: f64 = 0.0;
      for (let k = 0; k < length / 2; k++) {
        const a = <usize>(start + k) << 3;
        const b = <usize>(start + k + length / 2) << 3;
        const xr = load<f64>(re + b) * cr - load<f64>(im + b) * ci;
        const xi = load<f64>(re + b) * ci + load<f64>(im + b) * cr;
        store<f64>(re + b, load<f64>(re + a) - xr);
        store<f64>(im + b, load<f64>(im + a) - xi);
        store<f64>(re + a, load<f64>(re + a) + xr);
        store<f64>(im + a, load<f64>(im + a) + xi);
        const next = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = next;
      }
    }
  }
}

function pitch(ptr: usize, n: i32, sampleRateHz: i32, out: usize): void {
  const minLag = <i32>Math.floor(<f64>sampleRateHz / MAX_PITCH_HZ);
  const maxLag = <i32>Math.min(<f64>(n - 1), Math.ceil(<f64>sampleRateHz / MIN_PITCH_HZ));
  let energy: f64 = 0.0;
  for (let i = 0; i < n; i++) {
    const s = <f64>load<i16>(ptr + (<usize>i << 1));
    energy += s * s;
  }
  let bestLag = 0;
  let best: f64 = 0.0;
  if (energy > 0.0) {
    for (let lag = minLag; lag <= maxLag; lag++) {
      let sum: f64 = 0.0;
      for (let i = 0; i + lag < n; i++) sum += <f64>load<i16>(ptr + (<usize>i << 1)) * <f64>load<i16>(ptr + (<usize>(i + lag) << 1));
      // Normalise by the overlap so long lags are not penalised for having fewer products.
      const normalised = sum / energy * <f64>n / <f64>(n - lag);
      // Prefer the shortest period: a multiple of it correlates almost as well and must clearly win to replace it.
      if (normalised > (bestLag == 0 ? best : best * 1.1)) {
        best = normalised;
        bestLag = lag;
      }
    }
  }
  const voicing = best > 1.0 ? 1.0 : best;
  store<f64>(out + (<usize>FEATURE_VOICING << 3), voicing);
  store<f64>(out + (<usize>FEATURE_PITCH_HZ << 3), voicing >= VOICING_THRESHOLD && bestLag > 0 ? <f64>sampleRateHz / <f64>bestLag : 0.0);
}
