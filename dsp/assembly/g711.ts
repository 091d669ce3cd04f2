// G.711 mu-law and A-law, following the ITU-T G.191 reference implementation (g711.c) bit for bit.
import { ALAW_DECODE_TABLE, MULAW_DECODE_TABLE } from './g711-tables';

@inline
export function linearToMulaw(x: i16): u8 {
  let absno: i32 = x < 0 ? ((~(<i32>x)) >> 2) + 33 : ((<i32>x) >> 2) + 33;
  if (absno > 0x1fff) absno = 0x1fff;
  // Segment = 1 + the bit length of absno >> 6 (the reference's shift loop, done with one clz).
  const segno: i32 = 33 - <i32>clz<i32>(absno >> 6);
  const high = 0x0008 - segno;
  const low = 0x000f - ((absno >> segno) & 0x000f);
  let out = (high << 4) | low;
  if (x >= 0) out |= 0x0080;
  return <u8>out;
}

@inline
export function mulawToLinear(b: u8): i16 {
  const sign: i32 = b < 0x80 ? -1 : 1;
  let mantissa: i32 = ~(<i32>b);
  const exponent = (mantissa >> 4) & 0x0007;
  const segment = exponent + 1;
  mantissa &= 0x000f;
  const step = 4 << segment;
  return <i16>(sign * ((0x0080 << exponent) + step * mantissa + step / 2 - 4 * 33));
}

@inline
export function linearToAlaw(x: i16): u8 {
  let ix: i32 = x < 0 ? (~(<i32>x)) >> 4 : (<i32>x) >> 4;
  if (ix > 15) {
    // Exponent = how far ix must shift right to fit in 5 bits (the reference's loop, done with one clz).
    const iexp: i32 = 28 - <i32>clz<i32>(ix);
    ix = (ix >> (iexp - 1)) - 16 + (iexp << 4);
  }
  if (x >= 0) ix |= 0x0080;
  return <u8>(ix ^ 0x0055);
}

@inline
export function alawToLinear(b: u8): i16 {
  let ix: i32 = (<i32>b ^ 0x0055) & 0x007f;
  const iexp = ix >> 4;
  let mant = ix & 0x000f;
  if (iexp > 0) mant += 16;
  mant = (mant << 4) + 0x0008;
  if (iexp > 1) mant <<= iexp - 1;
  return <i16>(b > 127 ? mant : -mant);
}

export function mulawDecode(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<i16>(dst + (<usize>i << 1), unchecked(MULAW_DECODE_TABLE[load<u8>(src + <usize>i)]));
}

export function mulawEncode(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<u8>(dst + <usize>i, linearToMulaw(load<i16>(src + (<usize>i << 1))));
}

export function alawDecode(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<i16>(dst + (<usize>i << 1), unchecked(ALAW_DECODE_TABLE[load<u8>(src + <usize>i)]));
}

/** The formula decoders, exported so tests can check the tables against them. */
export function mulawDecodeFormula(b: i32): i32 {
  return mulawToLinear(<u8>b);
}

export function alawDecodeFormula(b: i32): i32 {
  return alawToLinear(<u8>b);
}

export function alawEncode(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<u8>(dst + <usize>i, linearToAlaw(load<i16>(src + (<usize>i << 1))));
}
