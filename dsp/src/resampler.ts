// Streaming resampler (8/16/24/48 kHz both ways) running in WASM: a polyphase FIR whose state carries across calls,
// so 20 ms frames leave no seams. The filter is designed in resampler-design.ts; a plain-TS twin is in reference/.
import { designResampler, type ResamplerOptions } from './resampler-design.ts';
import { getDsp, type Dsp } from './wasm.ts';

export type { ResamplerOptions };

/** Largest input one WASM call takes; longer inputs are processed in slices. */
const MAX_INPUT_SAMPLES = 4800;

export class Resampler {
  readonly up: number;
  readonly down: number;
  /** Output samples by which the output lags the input. */
  readonly delaySamples: number;
  readonly #dsp: Dsp;
  #state: number;
  #input: number;
  #output: number;

  constructor(readonly fromHz: number, readonly toHz: number, options: ResamplerOptions = {}) {
    const design = designResampler(fromHz, toHz, options);
    this.up = design.up;
    this.down = design.down;
    this.delaySamples = design.delaySamples;
    this.#dsp = getDsp();
    const { exports } = this.#dsp;
    this.#state = this.#dsp.alloc(exports.resamplerStateBytes(design.up, design.taps, MAX_INPUT_SAMPLES));
    exports.resamplerInit(this.#state, design.up, design.down, design.taps, MAX_INPUT_SAMPLES);
    this.#dsp.f32(exports.resamplerFilterPtr(this.#state), design.branches.length).set(design.branches);
    this.#input = this.#dsp.alloc(MAX_INPUT_SAMPLES * 2);
    this.#output = this.#dsp.alloc(exports.resamplerMaxOutput(this.#state, MAX_INPUT_SAMPLES) * 2);
  }

  process(input: Int16Array): Int16Array {
    if (!this.#state) throw new Error('Resampler used after dispose()');
    const { exports } = this.#dsp;
    const out = new Int16Array(Math.floor((input.length * this.up) / this.down) + 2 * Math.ceil(input.length / MAX_INPUT_SAMPLES + 1));
    let count = 0;
    for (let offset = 0; offset < input.length; offset += MAX_INPUT_SAMPLES) {
      const slice = input.subarray(offset, Math.min(input.length, offset + MAX_INPUT_SAMPLES));
      this.#dsp.i16(this.#input, slice.length).set(slice);
      const produced = exports.resamplerProcess(this.#state, this.#input, slice.length, this.#output);
      out.set(this.#dsp.i16(this.#output, produced), count);
      count += produced;
    }
    return out.subarray(0, count);
  }

  dispose(): void {
    if (!this.#state) return;
    this.#dsp.free(this.#state);
    this.#dsp.free(this.#input);
    this.#dsp.free(this.#output);
    this.#state = 0;
  }
}
