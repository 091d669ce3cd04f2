// The polyphase resampler's prototype filter: a Kaiser-windowed sinc, centred so that the delay is a whole number
// of output samples (so resampled audio lines up with its source, and with sox's, sample for sample).

export const SUPPORTED_RATES_HZ = [8000, 16000, 24000, 48000];

export interface ResamplerOptions {
  /** Taps per polyphase branch for interpolation; decimation scales it by the ratio. */
  tapsPerPhase?: number;
  /** Kaiser beta: 7 trades a little stopband depth (about 80 dB here) for a narrower transition band. */
  kaiserBeta?: number;
  /** Passband edge as a fraction of the lower Nyquist frequency. */
  cutoff?: number;
}

export interface ResamplerDesign {
  up: number;
  down: number;
  /** Taps per branch (a multiple of 4): the filter has taps * up coefficients, branch p at p, p+up, p+2up… */
  taps: number;
  filter: Float64Array;
  /** Branch p's taps in reverse as f32, branch after branch: what the resampler's dot products read. */
  branches: Float32Array;
  /** Output samples by which the output lags the input. */
  delaySamples: number;
}

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

export function designResampler(fromHz: number, toHz: number, options: ResamplerOptions = {}): ResamplerDesign {
  if (!SUPPORTED_RATES_HZ.includes(fromHz) || !SUPPORTED_RATES_HZ.includes(toHz)) {
    throw new Error(`resampling ${fromHz} -> ${toHz} Hz is not supported (rates: ${SUPPORTED_RATES_HZ.join(', ')})`);
  }
  const g = gcd(fromHz, toHz);
  const up = toHz / g;
  const down = fromHz / g;
  // Decimation needs a longer filter per branch: the transition band is set by the lower rate.
  const taps = (options.tapsPerPhase ?? 48) * Math.max(1, Math.ceil(down / up));
  const beta = options.kaiserBeta ?? 7;
  const length = taps * up;
  const fc = ((options.cutoff ?? 0.95) * 0.5 * Math.min(fromHz, toHz)) / (fromHz * up); // cycles per upsampled sample
  const centre = Math.round((length - 1) / 2 / down) * down;
  const halfWidth = Math.min(centre, length - 1 - centre);
  const filter = new Float64Array(length);
  for (let n = 0; n < length; n++) {
    const x = n - centre;
    if (Math.abs(x) > halfWidth) continue;
    const sinc = x === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * x) / (Math.PI * x);
    const window = besselI0(beta * Math.sqrt(Math.max(0, 1 - (x / halfWidth) ** 2))) / besselI0(beta);
    filter[n] = up * sinc * window;
  }
  const branches = new Float32Array(taps * up);
  for (let phase = 0; phase < up; phase++) {
    for (let i = 0; i < taps; i++) branches[phase * taps + i] = filter[(taps - 1 - i) * up + phase];
  }
  return { up, down, taps, filter, branches, delaySamples: centre / down };
}
