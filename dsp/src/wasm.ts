// Loads the dsp WASM module once per thread and gives typed access to its exports.
// Exports take and return numbers and pointers only. Memory may grow when anything allocates, which detaches old
// ArrayBuffers: read through the view helpers below, which re-create views whenever the buffer changed.
// Other dsp files extend `DspExports` with the exports of their kernels (declaration merging keeps one interface).
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DspExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  free(ptr: number): void;
  mulawDecode(src: number, dst: number, n: number): void;
  mulawDecodeFormula(byte: number): number;
  alawDecodeFormula(byte: number): number;
  mulawEncode(src: number, dst: number, n: number): void;
  alawDecode(src: number, dst: number, n: number): void;
  alawEncode(src: number, dst: number, n: number): void;
  frameRms(ptr: number, n: number): number;
  rmsToDbfs(rms: number): number;
  featureScratchBytes(): number;
  plcStateBytes(sampleRateHz: number): number;
  plcInit(state: number, sampleRateHz: number): void;
  plcConceal(state: number, out: number): void;
  plcGood(state: number, pcm: number): void;
  resamplerStateBytes(up: number, taps: number, maxInput: number): number;
  resamplerFilterPtr(state: number): number;
  resamplerInit(state: number, up: number, down: number, taps: number, maxInput: number): void;
  resamplerMaxOutput(state: number, n: number): number;
  resamplerProcess(state: number, input: number, n: number, output: number): number;
  frameFeatures(ptr: number, n: number, sampleRateHz: number, scratch: number, out: number): void;
  chainStateBytes(sampleRateHz: number): number;
  chainInit(state: number, sampleRateHz: number, codec: number, silenceMs: number, eagerness: number): void;
  chainReset(state: number): void;
  chainPcmPtr(state: number): number;
  chainFrameBytes(state: number): number;
  chainProcess(state: number, input: number): number;
  chainAgentAudio(state: number, input: number): void;
  chainSetAgentSpeaking(state: number, speaking: number): void;
}

export interface Dsp {
  readonly exports: DspExports;
  alloc(bytes: number): number;
  free(ptr: number): void;
  u8(ptr: number, length: number): Uint8Array;
  i16(ptr: number, length: number): Int16Array;
  f32(ptr: number, length: number): Float32Array;
  f64(ptr: number, length: number): Float64Array;
}

const buildDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'build');
let instance: Dsp | null = null;

function load(): Dsp {
  const target = process.env.INVORTO_DSP_BUILD === 'debug' ? 'debug' : 'release';
  const file = join(buildDir, `${target}.wasm`);
  if (!existsSync(file)) throw new Error(`dsp/build/${target}.wasm not found: run \`npm run build\``);
  let memory: WebAssembly.Memory | null = null;
  const readString = (ptr: number): string => {
    if (!memory || !ptr) return '';
    const length = new Uint32Array(memory.buffer, ptr - 4, 1)[0] >>> 1;
    return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, length));
  };
  const module = new WebAssembly.Module(readFileSync(file));
  const wasm = new WebAssembly.Instance(module, {
    env: {
      abort(message: number, fileName: number, line: number, column: number) {
        throw new Error(`dsp trap: ${readString(message)} at ${readString(fileName)}:${line}:${column}`);
      },
      seed: () => Date.now(),
    },
  });
  const exports = wasm.exports as unknown as DspExports;
  memory = exports.memory;
  return {
    exports,
    alloc: (bytes) => {
      const ptr = exports.alloc(bytes);
      if (!ptr) throw new Error(`dsp could not allocate ${bytes} bytes`);
      return ptr;
    },
    free: (ptr) => exports.free(ptr),
    u8: (ptr, length) => new Uint8Array(exports.memory.buffer, ptr, length),
    i16: (ptr, length) => new Int16Array(exports.memory.buffer, ptr, length),
    f32: (ptr, length) => new Float32Array(exports.memory.buffer, ptr, length),
    f64: (ptr, length) => new Float64Array(exports.memory.buffer, ptr, length),
  };
}

/** The thread's dsp module (compiled and instantiated on first use). */
export function getDsp(): Dsp {
  instance ??= load();
  return instance;
}
