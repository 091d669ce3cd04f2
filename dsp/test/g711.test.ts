import { describe, expect, it } from 'vitest';
import { decodeAlaw, decodeMulaw, encodeAlaw, encodeMulaw } from '../src/g711.ts';
import { decodeAlawRef, decodeMulawRef, encodeAlawRef, encodeMulawRef } from '../src/reference/g711.ts';
import { getDsp } from '../src/wasm.ts';

// Values from the ITU-T G.711 tables (and G.191's reference code): a few decode points with known answers.
describe('G.711', () => {
  it('decodes mu-law to the standard\'s reconstruction levels', () => {
    const decoded = decodeMulaw(Uint8Array.from([0x00, 0x7f, 0x80, 0xff, 0x70, 0x0f]));
    expect(Array.from(decoded)).toEqual([-32124, 0, 32124, 0, -120, -16764]);
  });

  it('decodes A-law to the standard\'s reconstruction levels', () => {
    const decoded = decodeAlaw(Uint8Array.from([0xd5, 0x55, 0xaa, 0x2a, 0x80, 0x00]));
    expect(Array.from(decoded.subarray(0, 4))).toEqual([8, -8, 32256, -32256]);
    expect(decoded[4]).toBe(-decoded[5]);
  });

  it('WASM = the plain-TS G.191 reference on all 65,536 inputs and 256 codes; the decode tables = the formulas', () => {
    const inputs = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
    const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(Array.from(encodeMulaw(inputs))).toEqual(Array.from(encodeMulawRef(inputs)));
    expect(Array.from(encodeAlaw(inputs))).toEqual(Array.from(encodeAlawRef(inputs)));
    expect(Array.from(decodeMulaw(codes))).toEqual(Array.from(decodeMulawRef(codes)));
    expect(Array.from(decodeAlaw(codes))).toEqual(Array.from(decodeAlawRef(codes)));
    const { exports } = getDsp();
    for (let code = 0; code < 256; code++) {
      expect(exports.mulawDecodeFormula(code)).toBe(decodeMulaw(Uint8Array.of(code))[0]);
      expect(exports.alawDecodeFormula(code)).toBe(decodeAlaw(Uint8Array.of(code))[0]);
    }
  });

  it('round-trips every code: decode then encode gives the same byte (mu-law 0x7f/0xff are both zero)', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const mu = encodeMulaw(decodeMulaw(all));
    for (let i = 0; i < 256; i++) if (i !== 0x7f) expect(mu[i], `mu-law 0x${i.toString(16)}`).toBe(i);
    expect(Array.from(encodeAlaw(decodeAlaw(all)))).toEqual(Array.from(all));
  });

  it('is monotonic over all 65,536 inputs and keeps the sign', () => {
    const inputs = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
    for (const [encode, decode] of [[encodeMulaw, decodeMulaw], [encodeAlaw, decodeAlaw]] as const) {
      const decoded = decode(encode(inputs));
      for (let i = 1; i < inputs.length; i++) expect(decoded[i] >= decoded[i - 1]).toBe(true);
      expect(decoded[0]).toBeLessThan(0);
      expect(decoded[65535]).toBeGreaterThan(0);
    }
  });

  it('quantises within the segment step (error bounded by half a step plus the 16->14 bit cut)', () => {
    const inputs = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
    const decoded = decodeMulaw(encodeMulaw(inputs));
    let worst = 0;
    for (let i = 0; i < inputs.length; i++) worst = Math.max(worst, Math.abs(decoded[i] - inputs[i]) / Math.max(64, Math.abs(inputs[i])));
    expect(worst).toBeLessThan(0.07);
  });
});
