import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadVadCorpus } from '../src/corpus.ts';
import { sineWave, snrDb, toneGainDb } from '../src/quality.ts';
import { Resampler } from '../src/resampler.ts';
import { ReferenceResampler } from '../src/reference/resample.ts';
import { pcm16Samples, readWav, writeWav } from '../src/wav.ts';

const hasSox = spawnSync('sh', ['-c', 'command -v sox']).status === 0;
const PAIRS = [[8000, 16000], [16000, 8000], [8000, 24000], [24000, 8000], [8000, 48000], [48000, 8000], [16000, 48000], [48000, 16000], [16000, 24000], [24000, 16000]] as const;

function inFrames(resampler: { process(x: Int16Array): Int16Array }, input: Int16Array, frame: number): Int16Array {
  const parts: Int16Array[] = [];
  for (let offset = 0; offset < input.length; offset += frame) parts.push(resampler.process(input.subarray(offset, offset + frame)));
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

describe('resampler', () => {
  it('WASM = plain-TS reference, sample for sample, for every rate pair', () => {
    const clip = pcm16Samples(loadVadCorpus()[3].pcm16k.data).subarray(0, 16000 * 3);
    for (const [from, to] of PAIRS) {
      const input = from === 16000 ? clip : new ReferenceResampler(16000, from).process(clip);
      const wasm = new Resampler(from, to);
      const a = inFrames(wasm, input, from / 50);
      const b = inFrames(new ReferenceResampler(from, to), input, from / 50);
      expect(a.length, `${from}->${to}`).toBe(b.length);
      let differ = 0;
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ++;
      expect(differ, `${from}->${to}`).toBe(0);
      wasm.dispose();
    }
  });

  it('streams without seams: 20 ms frames give the same output as one block', () => {
    const input = sineWave(440, 16000, 16000);
    const whole = new Resampler(16000, 8000).process(input);
    const framed = inFrames(new Resampler(16000, 8000), input, 320);
    expect(Array.from(framed)).toEqual(Array.from(whole));
    expect(whole.length).toBe(8000);
  });

  it('keeps the passband flat and the stopband down (sweeps)', () => {
    for (const [from, to] of PAIRS) {
      const lowNyquist = Math.min(from, to) / 2;
      const gains: number[] = [];
      for (let hz = 100; hz <= 0.8 * lowNyquist; hz += 150) {
        const r = new Resampler(from, to);
        gains.push(toneGainDb(r.process(sineWave(hz, from, from / 2)), 10000, to / 20));
        r.dispose();
      }
      const ripple = Math.max(...gains) - Math.min(...gains);
      expect(ripple, `${from}->${to} passband ripple dB`).toBeLessThan(0.1);
      if (to < from) {
        for (let hz = 1.1 * lowNyquist; hz < from / 2; hz += 500) {
          const r = new Resampler(from, to);
          expect(toneGainDb(r.process(sineWave(hz, from, from / 2)), 10000, to / 20), `${from}->${to} at ${hz} Hz`).toBeLessThan(-60);
          r.dispose();
        }
      }
    }
  });

  // The two filters differ only near the band edge; 30 dB is well above G.711's own ~38 dB SNR ceiling minus noise.
  it.skipIf(!hasSox)('matches sox on corpus speech (SNR above 30 dB)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'invorto-sox-'));
    try {
      for (const clip of loadVadCorpus().slice(0, 4)) {
        const input = pcm16Samples(clip.pcm16k.data);
        writeFileSync(join(dir, 'in.wav'), writeWav({ encoding: 'pcm16', sampleRateHz: 16000, data: clip.pcm16k.data }));
        const sox = spawnSync('sox', [join(dir, 'in.wav'), '-r', '8000', join(dir, 'out.wav')]);
        expect(sox.status).toBe(0);
        const reference = pcm16Samples(readWav(readFileSync(join(dir, 'out.wav'))).data);
        const resampler = new Resampler(16000, 8000);
        const ours = inFrames(resampler, input, 320);
        expect(snrDb(reference, ours, resampler.delaySamples, 200), clip.name).toBeGreaterThan(30);
        resampler.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects unsupported rates and use after dispose', () => {
    expect(() => new Resampler(44100, 8000)).toThrow(/rates: 8000, 16000, 24000, 48000/);
    const r = new Resampler(8000, 16000);
    r.dispose();
    expect(() => r.process(new Int16Array(160))).toThrow(/after dispose/);
  });
});
