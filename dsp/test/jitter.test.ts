import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { encodeMulaw } from '../src/g711.ts';
import { JitterBuffer } from '../src/jitter-buffer.ts';
import { JitterControl } from '../src/jitter-control.ts';
import { hindsightDelayMs, runAdaptive, runStatic } from '../src/jitter-trace.ts';
import { parseTrace } from '../src/rtp-trace.ts';
import { syntheticTrace } from '../src/synthetic-trace.ts';
import { corpus, loadTraces } from '../src/corpus.ts';

// The lan, wifi, mobile and congested traces of ../shared/corpus, or of the repository's own set.
const traces = loadTraces();
const lan = traces.find((t) => t.name === 'lan')!;

/** Pushes packets (seq, arrival ms) and pulls every 20 ms; returns what each slot played. */
function play(arrivals: [number, number][], options: { ssrc?: (i: number) => number; until?: number } = {}) {
  const control = new JitterControl({ initialDelayMs: 40 });
  const sorted = arrivals.map(([seq, at], i) => ({ seq, at, i })).sort((a, b) => a.at - b.at);
  const played: (number | null)[] = [];
  let k = 0;
  for (let now = sorted[0].at; now <= (options.until ?? sorted[sorted.length - 1].at + 400); now += 20) {
    while (k < sorted.length && sorted[k].at <= now) {
      const p = sorted[k++];
      control.push(p.seq, ((p.seq - arrivals[0][0]) & 0xffff) * 160, options.ssrc?.(p.i) ?? 7, p.at);
    }
    const r = control.pull(now);
    if (r.kind !== 'waiting') played.push(r.seq);
  }
  return { played, control };
}

describe('jitter buffer', () => {
  it('restores order, drops duplicates, and plays across the 16-bit wrap', () => {
    const seqs = [65533, 65534, 65535, 0, 1, 2, 3, 4];
    const arrivals: [number, number][] = seqs.map((seq, i) => [seq, i * 20 + 5]);
    [arrivals[3], arrivals[4]] = [[0, 4 * 20 + 5], [65535, 3 * 20 + 9]]; // 0 overtakes 65535
    arrivals.push([1, 4 * 20 + 15]); // a duplicate
    const { played, control } = play(arrivals);
    expect(played.filter((s) => s !== null)).toEqual(seqs);
    expect(control.stats.duplicates).toBe(1);
  });

  it('conceals a lost packet and counts a packet arriving after its slot as late', () => {
    const arrivals: [number, number][] = [0, 1, 2, 4, 5, 6, 7, 8].map((seq) => [seq, seq * 20 + 2]);
    arrivals.push([3, 3 * 20 + 400]); // far too late
    const { played, control } = play(arrivals);
    expect(played.filter((s) => s !== null)).toEqual([0, 1, 2, 4, 5, 6, 7, 8]);
    expect(played.indexOf(null)).toBe(3);
    expect(control.stats.late).toBe(1);
  });

  it('resynchronises when the SSRC changes', () => {
    const arrivals: [number, number][] = [[100, 0], [101, 20], [102, 40], [5000, 60], [5001, 80], [5002, 100]];
    const { played, control } = play(arrivals, { ssrc: (i) => (i < 3 ? 1 : 2) });
    expect(control.stats.resyncs).toBe(1);
    expect(played.filter((s) => s !== null).slice(-3)).toEqual([5000, 5001, 5002]);
  });

  it('beats a fixed 60 ms buffer on late loss on every corpus trace; on lan it adds under 30 ms', () => {
    console.log(`jitter traces of ${corpus.label}: ${traces.map((t) => t.name).join(', ')}`);
    expect(traces.map((t) => t.name).sort()).toEqual(['congested', 'lan', 'mobile', 'wifi']);
    for (const { name, rows } of traces) {
      const ours = runAdaptive(rows).stats;
      const fixed = runStatic(rows, 60).stats;
      expect(ours.lateLost, name).toBeLessThanOrEqual(fixed.lateLost);
      if (name !== 'lan') expect(ours.lateLost, name).toBeLessThan(fixed.lateLost);
      if (name === 'lan') expect(ours.addedDelayMeanMs).toBeLessThan(30);
    }
  });

  it('stays near the hindsight buffer on traces it was not tuned on', () => {
    for (const seed of [101, 202, 303]) {
      const rows = syntheticTrace({ packets: 1500, baseMs: 30, jitterMs: 15, spikeP: 0.008, spikeMs: 150, lossEnterP: 0.01, lossBadP: 0.4, reorderP: 0.02, duplicateP: 0.005, firstSeq: 65000, seed });
      const ours = runAdaptive(rows).stats;
      const hindsight = runStatic(rows, hindsightDelayMs(rows)).stats;
      expect(ours.lateLossRate, `seed ${seed}`).toBeLessThan(hindsight.lateLossRate + 0.01);
      expect(ours.addedDelayMeanMs, `seed ${seed}`).toBeLessThan(hindsight.addedDelayMeanMs * 1.25);
    }
  });

  it('plays decoded audio, refuses wrong-size payloads, and gives bounded, finite concealment', () => {
    const buffer = new JitterBuffer({ codec: 'mulaw', sampleRateHz: 8000 });
    const tone = (i: number) => encodeMulaw(Int16Array.from({ length: 160 }, (_, n) => Math.round(8000 * Math.sin((2 * Math.PI * 200 * (i * 160 + n)) / 8000))));
    expect(buffer.push({ seq: 1, timestamp: 0, ssrc: 1, payload: new Uint8Array(100), arrivalMs: 0 })).toBe('wrong-size');
    const frames = [];
    for (let i = 0; i < 30; i++) {
      if (i !== 12 && i !== 13) buffer.push({ seq: i, timestamp: i * 160, ssrc: 1, payload: tone(i), arrivalMs: i * 20 });
      const frame = buffer.pull(i * 20);
      if (frame) frames.push({ seq: frame.seq, pcm: frame.pcm.slice() });
    }
    expect(frames.some((f) => f.seq === null)).toBe(true);
    for (const f of frames) for (const v of f.pcm) expect(Number.isFinite(v) && Math.abs(v) <= 32767).toBe(true);
    const concealed = frames.find((f) => f.seq === null)!;
    expect(Math.max(...concealed.pcm.map(Math.abs))).toBeGreaterThan(1000); // the waveform goes on, not silence
    buffer.dispose();
    expect(() => buffer.pull(0)).toThrow(/after dispose/);
  });

  it('invorto jitter prints the playout and stats of a corpus trace', () => {
    const out = execFileSync(process.execPath, ['bin/invorto.js', 'jitter', lan.file], { cwd: new URL('../..', import.meta.url).pathname, encoding: 'utf8' });
    const result = JSON.parse(out);
    expect(result.playout.length).toBeGreaterThan(2900);
    expect(result.playout[0]).toEqual({ play_ms: expect.any(Number), seq: 0 });
    expect(result.playout[1].play_ms - result.playout[0].play_ms).toBeCloseTo(20, 6);
    expect(result.stats).toMatchObject({ packets: lan.packets, networkLost: lan.lost, lateLost: 0 });
  });

  it('names the line of a malformed trace', () => {
    expect(() => parseTrace('seq,rtp_ts,send_ms,arrival_ms\n0,0,0,5\n1,160,twenty,25\n', 't.csv')).toThrow(/t.csv: line 3/);
    expect(() => parseTrace('a,b\n', 't.csv')).toThrow(/line 1 must be the header/);
  });
});
