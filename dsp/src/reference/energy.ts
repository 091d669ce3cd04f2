// Plain-TypeScript frame features, mirroring dsp/assembly/energy.ts: the parity reference for the WASM.

export interface FrameFeatures {
  rms: number;
  dbfs: number;
  zeroCrossingRate: number;
  spectralCentroidHz: number;
  /** 0 when unvoiced. */
  pitchHz: number;
  voicing: number;
}

const FFT_SIZE = 512;

export function rmsToDbfsRef(rms: number): number {
  if (!(rms > 0)) return -120;
  const db = 20 * Math.log10(rms / 32768);
  return db < -120 ? -120 : db;
}

function fft(re: Float64Array, im: Float64Array): void {
  const size = re.length;
  for (let i = 1, j = 0; i < size; i++) {
    let bit = size >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) { [re[i], re[j]] = [re[j], re[i]]; [im[i], im[j]] = [im[j], im[i]]; }
  }
  for (let length = 2; length <= size; length <<= 1) {
    const angle = (-2 * Math.PI) / length;
    const wr = Math.cos(angle);
    const wi = Math.sin(angle);
    for (let start = 0; start < size; start += length) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < length / 2; k++) {
        const a = start + k;
        const b = start + k + length / 2;
        const xr = re[b] * cr - im[b] * ci;
        const xi = re[b] * ci + im[b] * cr;
        re[b] = re[a] - xr; im[b] = im[a] - xi;
        re[a] += xr; im[a] += xi;
        const next = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = next;
      }
    }
  }
}

export function frameFeaturesRef(samples: Int16Array, sampleRateHz: number): FrameFeatures {
  const n = samples.length;
  let energy = 0;
  for (const s of samples) energy += s * s;
  const rms = n > 0 ? Math.sqrt(energy / n) : 0;
  let crossings = 0;
  for (let i = 1; i < n; i++) if ((samples[i - 1] >= 0) !== (samples[i] >= 0)) crossings++;
  const re = new Float64Array(FFT_SIZE);
  const im = new Float64Array(FFT_SIZE);
  for (let i = 0; i < n; i++) re[i] = samples[i] * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)));
  fft(re, im);
  let weighted = 0;
  let total = 0;
  for (let k = 1; k <= FFT_SIZE / 2; k++) {
    const power = re[k] * re[k] + im[k] * im[k];
    weighted += power * ((k * sampleRateHz) / FFT_SIZE);
    total += power;
  }
  const minLag = Math.floor(sampleRateHz / 400);
  const maxLag = Math.min(n - 1, Math.ceil(sampleRateHz / 60));
  let best = 0;
  let bestLag = 0;
  if (energy > 0) {
    for (let lag = minLag; lag <= maxLag; lag++) {
      let sum = 0;
      for (let i = 0; i + lag < n; i++) sum += samples[i] * samples[i + lag];
      const normalised = ((sum / energy) * n) / (n - lag);
      if (normalised > (bestLag === 0 ? best : best * 1.1)) { best = normalised; bestLag = lag; }
    }
  }
  const voicing = best > 1 ? 1 : best;
  return {
    rms, dbfs: rmsToDbfsRef(rms), zeroCrossingRate: n > 1 ? crossings / (n - 1) : 0,
    spectralCentroidHz: total > 0 ? weighted / total : 0,
    pitchHz: voicing >= 0.35 && bestLag > 0 ? sampleRateHz / bestLag : 0, voicing,
  };
}
