// Plain-TypeScript G.711 following ITU-T G.191's g711.c: the parity reference and benchmark baseline for the WASM.

export function linearToMulaw(x: number): number {
  let absno = x < 0 ? (~x >> 2) + 33 : (x >> 2) + 33;
  if (absno > 0x1fff) absno = 0x1fff;
  let segno = 1;
  for (let i = absno >> 6; i !== 0; i >>= 1) segno++;
  const out = ((0x0008 - segno) << 4) | (0x000f - ((absno >> segno) & 0x000f));
  return x >= 0 ? out | 0x80 : out;
}

export function mulawToLinear(byte: number): number {
  const sign = byte < 0x80 ? -1 : 1;
  const complemented = ~byte;
  const exponent = (complemented >> 4) & 0x07;
  const mantissa = complemented & 0x0f;
  const step = 4 << (exponent + 1);
  return sign * ((0x80 << exponent) + step * mantissa + step / 2 - 4 * 33);
}

export function linearToAlaw(x: number): number {
  let ix = x < 0 ? ~x >> 4 : x >> 4;
  if (ix > 15) {
    let exponent = 1;
    while (ix > 16 + 15) {
      ix >>= 1;
      exponent++;
    }
    ix = ix - 16 + (exponent << 4);
  }
  if (x >= 0) ix |= 0x80;
  return ix ^ 0x55;
}

export function alawToLinear(byte: number): number {
  const ix = (byte ^ 0x55) & 0x7f;
  const exponent = ix >> 4;
  let mantissa = ix & 0x0f;
  if (exponent > 0) mantissa += 16;
  mantissa = (mantissa << 4) + 0x08;
  if (exponent > 1) mantissa <<= exponent - 1;
  return byte > 127 ? mantissa : -mantissa;
}

export function decodeMulawRef(bytes: Uint8Array, out = new Int16Array(bytes.length)): Int16Array {
  for (let i = 0; i < bytes.length; i++) out[i] = mulawToLinear(bytes[i]);
  return out;
}

export function encodeMulawRef(samples: Int16Array, out = new Uint8Array(samples.length)): Uint8Array {
  for (let i = 0; i < samples.length; i++) out[i] = linearToMulaw(samples[i]);
  return out;
}

export function decodeAlawRef(bytes: Uint8Array, out = new Int16Array(bytes.length)): Int16Array {
  for (let i = 0; i < bytes.length; i++) out[i] = alawToLinear(bytes[i]);
  return out;
}

export function encodeAlawRef(samples: Int16Array, out = new Uint8Array(samples.length)): Uint8Array {
  for (let i = 0; i < samples.length; i++) out[i] = linearToAlaw(samples[i]);
  return out;
}
