// Plain-TypeScript polyphase resampler: the parity reference and benchmark baseline of the WASM one. It computes
// exactly what the WASM does: f32 samples and taps, four accumulator lanes, summed as (l0 + l1) + (l2 + l3).
import { designResampler, type ResamplerOptions } from '../resampler-design.ts';

export class ReferenceResampler {
  readonly up: number;
  readonly down: number;
  readonly delaySamples: number;
  readonly #taps: number;
  readonly #branches: Float32Array;
  #history: Float32Array;
  #t = 0;

  constructor(readonly fromHz: number, readonly toHz: number, options: ResamplerOptions = {}) {
    const design = designResampler(fromHz, toHz, options);
    this.up = design.up;
    this.down = design.down;
    this.delaySamples = design.delaySamples;
    this.#taps = design.taps;
    this.#branches = design.branches;
    this.#history = new Float32Array(this.#taps - 1);
  }

  process(input: Int16Array): Int16Array {
    const { up, down } = this;
    const taps = this.#taps;
    const history = taps - 1;
    const buffer = new Float32Array(history + input.length);
    buffer.set(this.#history);
    for (let i = 0; i < input.length; i++) buffer[history + i] = input[i];
    const out = new Int16Array(Math.floor((input.length * up) / down) + 2);
    let count = 0;
    for (let m = Math.floor(this.#t / up); m < input.length; m = Math.floor(this.#t / up)) {
      const phase = this.#t - m * up;
      const f = Math.fround;
      let l0 = 0, l1 = 0, l2 = 0, l3 = 0;
      for (let k = 0, c = phase * taps; k < taps; k += 4, c += 4) {
        l0 = f(l0 + f(this.#branches[c] * buffer[m + k]));
        l1 = f(l1 + f(this.#branches[c + 1] * buffer[m + k + 1]));
        l2 = f(l2 + f(this.#branches[c + 2] * buffer[m + k + 2]));
        l3 = f(l3 + f(this.#branches[c + 3] * buffer[m + k + 3]));
      }
      const rounded = Math.round(f(f(l0 + l1) + f(l2 + l3)));
      out[count++] = rounded > 32767 ? 32767 : rounded < -32768 ? -32768 : rounded;
      this.#t += down;
    }
    this.#t -= up * input.length;
    this.#history = buffer.slice(buffer.length - history);
    return out.subarray(0, count);
  }
}
