// Resampler quality: SNR against sox's resampler on every corpus clip, and passband ripple / stopband attenuation
// from sine sweeps, per rate pair.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadVadCorpus } from '@invorto/dsp/corpus.ts';
import { sineWave, snrDb, toneGainDb } from '@invorto/dsp/quality.ts';
import { Resampler } from '@invorto/dsp/resampler.ts';
import { pcm16Samples, readWav, writeWav } from '@invorto/dsp/wav.ts';
import type { Row } from '../report.ts';

function sweep(fromHz: number, toHz: number): { rippleDb: number; stopbandDb: number | null } {
  const gainAt = (hz: number) => {
    const r = new Resampler(fromHz, toHz);
    const gain = toneGainDb(r.process(sineWave(hz, fromHz, fromHz / 2)), 10000, toHz / 20);
    r.dispose();
    return gain;
  };
  const lowNyquist = Math.min(fromHz, toHz) / 2;
  const pass: number[] = [];
  for (let hz = 100; hz <= 0.8 * lowNyquist; hz += 100) pass.push(gainAt(hz));
  const stop: number[] = [];
  if (toHz < fromHz) for (let hz = 1.1 * lowNyquist; hz < fromHz / 2; hz += 250) stop.push(gainAt(hz));
  return { rippleDb: Math.max(...pass) - Math.min(...pass), stopbandDb: stop.length ? Math.max(...stop) : null };
}

export function soxSnrTable(): Row[] {
  const hasSox = spawnSync('sh', ['-c', 'command -v sox']).status === 0;
  const dir = mkdtempSync(join(tmpdir(), 'invorto-sox-'));
  const rows: Row[] = [];
  try {
    const clips = loadVadCorpus();
    for (const [fromHz, toHz] of [[16000, 8000], [8000, 16000], [16000, 48000], [48000, 16000]] as const) {
      const snrs: number[] = [];
      if (hasSox) {
        for (const clip of clips) {
          const source = join(dir, 'source.wav');
          const input = join(dir, 'in.wav');
          writeFileSync(source, writeWav({ encoding: 'pcm16', sampleRateHz: 16000, data: clip.pcm16k.data }));
          spawnSync('sox', [source, '-r', String(fromHz), input]);
          spawnSync('sox', [input, '-r', String(toHz), join(dir, 'out.wav')]);
          const reference = pcm16Samples(readWav(readFileSync(join(dir, 'out.wav'))).data);
          const resampler = new Resampler(fromHz, toHz);
          const ours = resampler.process(pcm16Samples(readWav(readFileSync(input)).data));
          snrs.push(snrDb(reference, ours, resampler.delaySamples, toHz / 40));
          resampler.dispose();
        }
      }
      const { rippleDb, stopbandDb } = sweep(fromHz, toHz);
      rows.push({
        'rate pair': `${fromHz} -> ${toHz} Hz`,
        'corpus clips': hasSox ? snrs.length : 'none: sox is missing',
        'SNR vs sox min dB': snrs.length ? Math.min(...snrs) : null,
        'SNR vs sox mean dB': snrs.length ? snrs.reduce((a, b) => a + b, 0) / snrs.length : null,
        'passband ripple dB (to 0.8 Nyquist)': rippleDb,
        'stopband max dB (from 1.1 Nyquist)': stopbandDb,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
