// G.711 over whole buffers through the WASM core. For frame-by-frame work use InboundChain instead.
import { getDsp } from './wasm.ts';

type Kernel = 'mulawDecode' | 'mulawEncode' | 'alawDecode' | 'alawEncode';

function run(kernel: Kernel, input: Uint8Array, inBytes: number, outBytes: number): Uint8Array {
  const dsp = getDsp();
  const src = dsp.alloc(Math.max(1, inBytes));
  const dst = dsp.alloc(Math.max(1, outBytes));
  try {
    dsp.u8(src, inBytes).set(input.subarray(0, inBytes));
    dsp.exports[kernel](src, dst, outBytes === inBytes * 2 ? inBytes : outBytes);
    return dsp.u8(dst, outBytes).slice();
  } finally {
    dsp.free(src);
    dsp.free(dst);
  }
}

const asBytes = (samples: Int16Array) => new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
const asSamples = (bytes: Uint8Array) => new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);

export const decodeMulaw = (bytes: Uint8Array): Int16Array => asSamples(run('mulawDecode', bytes, bytes.length, bytes.length * 2));
export const decodeAlaw = (bytes: Uint8Array): Int16Array => asSamples(run('alawDecode', bytes, bytes.length, bytes.length * 2));
export const encodeMulaw = (samples: Int16Array): Uint8Array => run('mulawEncode', asBytes(samples), samples.length * 2, samples.length);
export const encodeAlaw = (samples: Int16Array): Uint8Array => run('alawEncode', asBytes(samples), samples.length * 2, samples.length);
