import { describe, expect, it } from 'vitest';
import { EnergyMeter, type EnergyEvents } from '../src/energy-meter.ts';
import { frameFeaturesRef } from '../src/reference/energy.ts';
import { getDsp } from '../src/wasm.ts';

const sine = (hz: number, amplitude: number, samples = 160, rate = 8000) =>
  Int16Array.from({ length: samples }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate)));
/** A glottal-like pulse train: a clear pitch at `hz` with harmonics. */
const voiced = (hz: number, samples = 320, rate = 8000) =>
  Int16Array.from({ length: samples }, (_, i) => Math.round(6000 * [1, 2, 3, 4].reduce((s, h) => s + Math.sin((2 * Math.PI * hz * h * i) / rate) / h, 0)));

function wasmFeatures(samples: Int16Array, rate: number) {
  const dsp = getDsp();
  const ptr = dsp.alloc(samples.length * 2);
  const scratch = dsp.alloc(dsp.exports.featureScratchBytes());
  const out = dsp.alloc(48);
  dsp.i16(ptr, samples.length).set(samples);
  dsp.exports.frameFeatures(ptr, samples.length, rate, scratch, out);
  const [rms, dbfs, zcr, centroid, pitchHz, voicing] = dsp.f64(out, 6);
  [ptr, scratch, out].forEach((p) => dsp.free(p));
  return { rms, dbfs, zeroCrossingRate: zcr, spectralCentroidHz: centroid, pitchHz, voicing };
}

describe('energy meter and frame features', () => {
  it('measures a full-scale sine at -3.01 dBFS and silence at -120, never NaN', () => {
    const full = wasmFeatures(sine(1000, 32767), 8000);
    expect(full.dbfs).toBeCloseTo(-3.01, 2);
    const silent = wasmFeatures(new Int16Array(160), 8000);
    expect(silent.dbfs).toBe(-120);
    for (const v of Object.values(silent)) expect(Number.isFinite(v)).toBe(true);
  });

  it('finds the pitch of a voiced frame, and none in noise', () => {
    for (const hz of [100, 150, 220]) {
      const f = wasmFeatures(voiced(hz), 8000);
      expect(Math.abs(f.pitchHz - hz) / hz, `${hz} Hz`).toBeLessThan(0.05);
      expect(f.voicing).toBeGreaterThan(0.8);
    }
    let seed = 7;
    const noise = Int16Array.from({ length: 320 }, () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return (seed % 20000) - 10000; });
    expect(wasmFeatures(noise, 8000).pitchHz).toBe(0);
  });

  it('puts the spectral centroid of a pure tone at the tone, and counts zero crossings', () => {
    const f = wasmFeatures(sine(1000, 10000), 8000);
    expect(f.spectralCentroidHz).toBeGreaterThan(950);
    expect(f.spectralCentroidHz).toBeLessThan(1050);
    expect(f.zeroCrossingRate).toBeCloseTo((2 * 1000) / 8000, 1);
  });

  it('WASM features = plain-TS reference', () => {
    for (const frame of [voiced(130), sine(440, 5000), sine(3000, 20000, 320, 16000), voiced(180, 320)]) {
      const a = wasmFeatures(frame, 8000);
      const b = frameFeaturesRef(frame, 8000);
      for (const key of Object.keys(b) as (keyof typeof b)[]) expect(a[key], key).toBeCloseTo(b[key], 6);
    }
  });

  it('switches active/inactive with hysteresis and throttles level events', () => {
    const meter = new EnergyMeter({ sampleRateHz: 8000, onDbfs: -30, offDbfs: -40, windowMs: 100, minIntervalMs: 300 });
    const events: string[] = [];
    const levels: EnergyEvents['level'][] = [];
    meter.on('active', () => events.push('active'));
    meter.on('inactive', () => events.push('inactive'));
    meter.on('level', (e) => levels.push(e));
    // -33 dBFS sits between the thresholds: it neither starts nor stops activity.
    const amplitudes = [500, 20000, 20000, 800, 800, 300, 300, 20000];
    for (const a of amplitudes) for (let i = 0; i < 5; i++) meter.push(sine(500, a));
    expect(events).toEqual(['active', 'inactive', 'active']);
    expect(levels.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < levels.length; i++) expect(levels[i].atMs - levels[i - 1].atMs).toBeGreaterThanOrEqual(300);
    meter.dispose();
  });

  it('reports features per frame when asked, and refuses oversize frames', () => {
    const meter = new EnergyMeter({ sampleRateHz: 8000, features: true });
    const seen: number[] = [];
    meter.on('features', (f) => seen.push(f.pitchHz));
    meter.push(voiced(200, 160));
    expect(seen[0]).toBeGreaterThan(180);
    expect(() => meter.push(new Int16Array(8000))).toThrow(/at most 512 samples/);
    expect(meter.push(new Int16Array(0))).toBe(-120);
    meter.dispose();
    expect(() => meter.push(voiced(200, 160))).toThrow(/after dispose/);
    expect(() => new EnergyMeter({ sampleRateHz: 8000, onDbfs: -50, offDbfs: -40 })).toThrow(/offDbfs/);
  });
});
