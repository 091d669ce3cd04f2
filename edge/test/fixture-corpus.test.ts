// The repository's own test corpus (corpus/, written by the build): generated the same way every time, its labels
// where the speech is, in the format the scorers read, and small.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTraces, loadVadCorpus, repoCorpusDir } from '@invorto/dsp/corpus.ts';
import { decodeMulaw } from '@invorto/dsp/g711.ts';
import { rmsDbfs } from '@invorto/dsp/noise.ts';
import { pcm16Samples } from '@invorto/dsp/wav.ts';
import { CLIP_SPECS, TRACE_PROFILES, makeClip, makeTraceCsv } from '../src/sim/fixture-corpus.ts';

const vadDir = join(repoCorpusDir, 'vad');
const rtpDir = join(repoCorpusDir, 'rtp');

/** Power (dBFS) inside the labelled segments and in the silences between them (50 ms clear of each edge). */
function levels(samples: ArrayLike<number>, rateHz: number, segments: [number, number][], durationS: number) {
  let inside = 0, insideN = 0, outside = 0, outsideN = 0;
  for (let i = 0; i < samples.length; i++) {
    const t = i / rateHz;
    const v = samples[i] * samples[i];
    if (segments.some(([a, b]) => t >= a && t < b)) { inside += v; insideN++; }
    else if (segments.every(([a, b]) => t < a - 0.05 || t >= b + 0.05) && t < durationS) { outside += v; outsideN++; }
  }
  const db = (p: number, n: number) => 10 * Math.log10(p / n / 32768 ** 2);
  return { speechPlusNoiseDbfs: db(inside, insideN), noiseDbfs: db(outside, outsideN) };
}

describe('the repository\'s own test corpus', () => {
  it('is what the generator makes, byte for byte, every time', async () => {
    const spec = CLIP_SPECS[1];
    const [a, b] = [await makeClip(spec), await makeClip(spec)];
    expect(Buffer.from(a.pcm16k).equals(Buffer.from(b.pcm16k))).toBe(true);
    expect(Buffer.from(a.pcm16k).equals(readFileSync(join(vadDir, `${spec.name}.16k.wav`)))).toBe(true);
    expect(Buffer.from(a.ulaw8k).equals(readFileSync(join(vadDir, `${spec.name}.ulaw8k.wav`)))).toBe(true);
    expect(JSON.parse(readFileSync(join(vadDir, `${spec.name}.json`), 'utf8'))).toEqual(a.labels);
    for (const [name, profile] of Object.entries(TRACE_PROFILES)) {
      expect(makeTraceCsv(profile).csv).toBe(readFileSync(join(rtpDir, `repo-${name}.csv`), 'utf8'));
    }
  });

  it('labels each clip where its speech is, at its SNR, at 16 kHz and 8 kHz alike', () => {
    const clips = loadVadCorpus(vadDir);
    expect(clips.map((c) => c.name)).toEqual(JSON.parse(readFileSync(join(vadDir, 'index.json'), 'utf8')).clips);
    expect(new Set(clips.map((c) => c.noise))).toEqual(new Set(['white', 'pink', 'hum', 'babble']));
    for (const clip of clips) {
      expect(clip.pcm16k).toMatchObject({ encoding: 'pcm16', sampleRateHz: 16000, channels: 1 });
      expect(clip.ulaw8k).toMatchObject({ encoding: 'mulaw', sampleRateHz: 8000, channels: 1 });
      expect(clip.pcm16k.data.length / 2 / 16000).toBeCloseTo(clip.durationS, 2);
      expect(clip.ulaw8k.data.length / 8000).toBeCloseTo(clip.durationS, 2);
      expect(clip.segments).toHaveLength(clip.texts.length);
      // Inside the segments: speech and noise at the clip's SNR; between them: the noise alone. (At 8 kHz the
      // telephone band drops the noise above 4 kHz, which speech has little of: the rise may only grow.)
      const expectedRiseDb = 10 * Math.log10(10 ** (clip.snrDb / 10) + 1);
      for (const [rate, samples] of [[16000, pcm16Samples(clip.pcm16k.data)], [8000, decodeMulaw(clip.ulaw8k.data)]] as const) {
        const { speechPlusNoiseDbfs, noiseDbfs } = levels(samples, rate, clip.segments, clip.durationS);
        expect(speechPlusNoiseDbfs - noiseDbfs, `${clip.name} at ${rate} Hz`).toBeGreaterThan(expectedRiseDb - 1.5);
        if (rate === 16000) expect(speechPlusNoiseDbfs - noiseDbfs, `${clip.name} at ${rate} Hz`).toBeLessThan(expectedRiseDb + 1.5);
      }
      // Every segment holds speech (is louder than the noise), and the 100 ms before each is the noise alone.
      const pcm = pcm16Samples(clip.pcm16k.data);
      const noiseDbfs = levels(pcm, 16000, clip.segments, clip.durationS).noiseDbfs;
      for (const [a, b] of clip.segments) {
        expect(rmsDbfs(pcm, Math.round(a * 16000), Math.round(b * 16000)), `${clip.name} segment at ${a} s`).toBeGreaterThan(noiseDbfs + expectedRiseDb / 2);
        expect(Math.abs(rmsDbfs(pcm, Math.round((a - 0.1) * 16000), Math.round(a * 16000)) - noiseDbfs), `${clip.name} before ${a} s`).toBeLessThan(3);
      }
    }
  });

  it('has traces with jitter, bursty loss, reordering and duplicates, their loss counts as labelled', () => {
    const traces = loadTraces(rtpDir);
    expect(traces.map((t) => t.name)).toEqual(['lan', 'wifi', 'mobile', 'congested']);
    let bursts = 0, reordered = 0, duplicates = 0;
    for (const trace of traces) {
      const arrived = trace.rows.filter((r) => r.arrivalMs !== null);
      const lost = trace.rows.filter((r) => r.arrivalMs === null).map((r) => r.seq).sort((a, b) => a - b);
      expect(lost.length, trace.name).toBe(trace.lost);
      expect(new Set(trace.rows.map((r) => r.seq)).size, trace.name).toBe(trace.packets);
      const delays = arrived.map((r) => r.arrivalMs! - r.sendMs);
      expect(Math.max(...delays) - Math.min(...delays), `${trace.name} jitter`).toBeGreaterThan(trace.name === 'lan' ? 1 : 50);
      bursts += lost.filter((seq, i) => lost[i + 1] === seq + 1).length;
      reordered += arrived.filter((r, i) => i > 0 && r.seq < arrived[i - 1].seq).length;
      duplicates += arrived.length - new Set(arrived.map((r) => r.seq)).size;
      if (trace.name === 'lan') expect([trace.lost, reordered, duplicates]).toEqual([0, 0, 0]);
    }
    expect(bursts).toBeGreaterThan(0);
    expect(reordered).toBeGreaterThan(0);
    expect(duplicates).toBeGreaterThan(0);
  });

  it('stays compact: under 2 MB in all', () => {
    const size = (dir: string): number => readdirSync(dir).reduce((n, f) => n + (statSync(join(dir, f)).isDirectory() ? size(join(dir, f)) : statSync(join(dir, f)).size), 0);
    const bytes = size(repoCorpusDir);
    console.log(`corpus/: ${(bytes / 1e6).toFixed(2)} MB`);
    expect(bytes).toBeLessThan(2_000_000);
  });
});
