// Plain-TypeScript polyphase resampler: the parity reference and benchmark baseline of the WASM one.
import { designResampler, type ResamplerOptions } from '../resampler-design.ts';

export class ReferenceResampler {
  readonly up: number;
  readonly down: number;
  readonly delaySamples: number;
  readonly #taps: number;
  readonly #filter: Float64Array;
  #history: Float64Array;
  #t = 0;

  constructor(readonly fromHz: number, readonly toHz: number, options: ResamplerOptions = {}) {
    const design = designResampler(fromHz, toHz, options);
    this.up = design.up;
    this.down = design.down;
    this.delaySamples = design.delaySamples;
    this.#taps = design.taps;
    this.#filter = design.filter;
    this.#history = new Float64Array(this.#taps - 1);
  }

  process(input: Int16Array): Int16Array {
    const { up, down } = this;
    const taps = this.#taps;
    const history = taps - 1;
    const buffer = new Float64Array(history + input.length);
    buffer.set(this.#history);
    for (let i = 0; i < input.length; i++) buffer[history + i] = input[i];
    const out = new Int16Array(Math.floor((input.length * up) / down) + 2);
    let count = 0;
    for (let m = Math.floor(this.#t / up); m < input.length; m = Math.floor(this.#t / up)) {
      const phase = this.#t - m * up;
      let acc = 0;
      for (let j = 0, base = m + history; j < taps; j++) acc += this.#filter[j * up + phase] * buffer[base - j];
      const rounded = Math.round(acc);
      out[count++] = rounded > 32767 ? 32767 : rounded < -32768 ? -32768 : rounded;
      this.#t += down;
    }
    this.#t -= up * input.length;
    this.#history = buffer.slice(buffer.length - history);
    return out.subarray(0, count);
  }
}
