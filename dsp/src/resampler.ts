// Streaming rational resampler (8/16/24/48 kHz both ways): a Kaiser-windowed sinc prototype split into L polyphase
// branches; output k reads branch (kM mod L) over the last P input samples. State carries across calls, so frame
// boundaries leave no seams.

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

export interface ResamplerOptions {
  /** Taps per polyphase branch (filter length / L). More taps: sharper transition, more CPU. */
  tapsPerPhase?: number;
  /** Kaiser beta: stopband attenuation (8.6 ≈ 86 dB). */
  kaiserBeta?: number;
  /** Passband edge as a fraction of the lower Nyquist frequency. */
  cutoff?: number;
}

export class Resampler {
  readonly up: number;
  readonly down: number;
  readonly #taps: number;
  readonly #filter: Float64Array;
  #history: Float64Array;
  #t = 0;

  constructor(readonly fromHz: number, readonly toHz: number, options: ResamplerOptions = {}) {
    const supported = [8000, 16000, 24000, 48000];
    if (!supported.includes(fromHz) || !supported.includes(toHz)) throw new Error(`resampling ${fromHz} -> ${toHz} Hz is not supported (rates: ${supported.join(', ')})`);
    const g = gcd(fromHz, toHz);
    this.up = toHz / g;
    this.down = fromHz / g;
    // Decimation needs a longer filter per branch: the transition band is set by the lower rate.
    this.#taps = (options.tapsPerPhase ?? 32) * Math.max(1, Math.ceil(this.down / this.up));
    const beta = options.kaiserBeta ?? 8.6;
    const length = this.#taps * this.up;
    // Cutoff in cycles per upsampled sample: just under the lower of the two Nyquist frequencies.
    const fc = ((options.cutoff ?? 0.9) * 0.5 * Math.min(fromHz, toHz)) / (fromHz * this.up);
    this.#filter = new Float64Array(length);
    const middle = (length - 1) / 2;
    for (let n = 0; n < length; n++) {
      const x = n - middle;
      const sinc = x === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * x) / (Math.PI * x);
      const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - (x / middle) ** 2))) / besselI0(beta);
      this.#filter[n] = this.up * sinc * w;
    }
    this.#history = new Float64Array(this.#taps - 1);
  }

  /** Delay the filter adds, in output samples. */
  get delaySamples(): number {
    return ((this.#taps * this.up - 1) / 2) / this.down;
  }

  process(input: Int16Array): Int16Array {
    const { up, down } = this;
    const taps = this.#taps;
    const history = taps - 1;
    const buffer = new Float64Array(history + input.length);
    buffer.set(this.#history);
    for (let i = 0; i < input.length; i++) buffer[history + i] = input[i];
    const out = new Int16Array(Math.ceil(((input.length * up) - this.#t) / down) + 1);
    let count = 0;
    for (let n = Math.floor(this.#t / up); n < input.length; n = Math.floor(this.#t / up)) {
      const phase = this.#t - n * up;
      let acc = 0;
      for (let j = 0, base = n + history; j < taps; j++) acc += this.#filter[j * up + phase] * buffer[base - j];
      out[count++] = acc > 32767 ? 32767 : acc < -32768 ? -32768 : Math.round(acc);
      this.#t += down;
    }
    this.#t -= up * input.length;
    this.#history = buffer.slice(buffer.length - history);
    return out.subarray(0, count);
  }
}
