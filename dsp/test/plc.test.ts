import { describe, expect, it } from 'vitest';
import { ReferencePlc } from '../src/reference/plc.ts';
import { getDsp } from '../src/wasm.ts';

const voiced = (start: number, n: number, hz = 140) =>
  Int16Array.from({ length: n }, (_, i) => Math.round(9000 * [1, 2, 3].reduce((s, h) => s + Math.sin((2 * Math.PI * hz * h * (start + i)) / 8000) / h, 0)));

function wasmPlc() {
  const dsp = getDsp();
  const state = dsp.alloc(dsp.exports.plcStateBytes(8000));
  dsp.exports.plcInit(state, 8000);
  const pcm = dsp.alloc(320);
  return {
    good(frame: Int16Array) { dsp.i16(pcm, 160).set(frame); dsp.exports.plcGood(state, pcm); return dsp.i16(pcm, 160).slice(); },
    conceal() { dsp.exports.plcConceal(state, pcm); return dsp.i16(pcm, 160).slice(); },
    free() { dsp.free(state); dsp.free(pcm); },
  };
}

/** Good frames, then `lost` frames concealed, then good frames again (merged). */
function run(plc: { good(f: Int16Array): Int16Array; conceal(): Int16Array }, lost: number): Int16Array[] {
  const out: Int16Array[] = [];
  for (let i = 0; i < 10 + lost + 5; i++) out.push(i >= 10 && i < 10 + lost ? plc.conceal() : plc.good(voiced(i * 160, 160)));
  return out;
}

describe('packet-loss concealment', () => {
  it('WASM = plain-TS reference, sample for sample', () => {
    for (const lost of [1, 2, 4, 8]) {
      const wasm = wasmPlc();
      const a = run(wasm, lost);
      const b = run(new ReferencePlc(8000), lost);
      expect(a.map((f) => Array.from(f))).toEqual(b.map((f) => Array.from(f)));
      wasm.free();
    }
  });

  it('continues the waveform, fades after 10 ms and is silent from 60 ms', () => {
    const frames = run(new ReferencePlc(8000), 4);
    const rms = (f: Int16Array) => Math.sqrt(f.reduce((s, v) => s + v * v, 0) / f.length);
    const before = rms(frames[9]);
    expect(rms(frames[10])).toBeGreaterThan(0.6 * before); // first concealed frame: mostly full level
    expect(rms(frames[11])).toBeLessThan(rms(frames[10]));
    expect(rms(frames[13]).toFixed(0)).toBe('0'); // 60-80 ms into the loss: silence
  });

  it('merges back without a jump', () => {
    const frames = run(new ReferencePlc(8000), 1);
    const joined = Int16Array.from(frames.flatMap((f) => Array.from(f)));
    let worst = 0;
    for (let i = 11 * 160 - 2; i < 11 * 160 + 40; i++) worst = Math.max(worst, Math.abs(joined[i + 1] - joined[i]));
    let normal = 0;
    for (let i = 160; i < 9 * 160; i++) normal = Math.max(normal, Math.abs(joined[i + 1] - joined[i]));
    expect(worst).toBeLessThan(normal * 1.5);
  });

  it('conceals silence as silence and never produces NaN or overflow', () => {
    const plc = new ReferencePlc(8000);
    const out = plc.conceal();
    expect(Array.from(out).every((v) => v === 0)).toBe(true);
  });
});
