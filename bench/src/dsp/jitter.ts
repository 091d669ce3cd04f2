// The jitter buffer on the corpus RTP traces and on synthetic ones it was not tuned on, side by side with a fixed
// 60 ms buffer and a static buffer sized with hindsight (the trace's own 0.95 quantile of relative delay + 20 ms);
// and the cost of a 20 ms pull with concealment, WASM vs the plain-TS reference PLC.
import { Bench } from 'tinybench';
import { corpus, loadTraces } from '@invorto/dsp/corpus.ts';
import { hindsightDelayMs, runAdaptive, runStatic } from '@invorto/dsp/jitter-trace.ts';
import { ReferencePlc } from '@invorto/dsp/reference/plc.ts';
import type { PlayoutStats, TraceRow } from '@invorto/dsp/rtp-trace.ts';
import { SYNTHETIC_PROFILES, syntheticTrace } from '@invorto/dsp/synthetic-trace.ts';
import { getDsp } from '@invorto/dsp/wasm.ts';
import { progress, writeReport, type Row } from '../report.ts';

function row(trace: string, buffer: string, stats: PlayoutStats & { dropped: number }): Row {
  return {
    trace, buffer,
    'late loss %': stats.lateLossRate * 100,
    'concealment %': stats.concealmentRate * 100,
    'dropped (accelerate)': stats.dropped,
    'added delay mean ms': stats.addedDelayMeanMs,
    'added delay p95 ms': stats.addedDelayP95Ms,
    'interruptions ≥150 ms': stats.interruptions150ms,
  };
}

async function plcCost(): Promise<Row[]> {
  const dsp = getDsp();
  const state = dsp.alloc(dsp.exports.plcStateBytes(8000));
  dsp.exports.plcInit(state, 8000);
  const pcm = dsp.alloc(320);
  const reference = new ReferencePlc(8000);
  const frame = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 150 * i) / 8000)));
  let n = 0;
  const bench = new Bench({ time: 800, warmupTime: 200 });
  // Every 4th frame lost: the pitch search runs once per loss, concealment and merging as in a lossy call.
  bench.add('wasm', () => { if (n++ % 4 === 3) dsp.exports.plcConceal(state, pcm); else { dsp.i16(pcm, 160).set(frame); dsp.exports.plcGood(state, pcm); } });
  bench.add('plain-ts', () => { if (n++ % 4 === 3) reference.conceal(); else reference.good(frame.slice()); });
  await bench.run();
  const ns = (name: string) => (bench.getTask(name)!.result as { latency: { mean: number } }).latency.mean * 1e6;
  dsp.free(state);
  dsp.free(pcm);
  return [{ 'PLC per 20 ms frame (1 in 4 lost)': 'decode-side audio path', 'wasm ns': ns('wasm'), 'plain-ts ns': ns('plain-ts'), 'plain-ts / wasm': ns('plain-ts') / ns('wasm') }];
}

export async function run(): Promise<void> {
  const corpusTraces = loadTraces();
  console.error(`jitter buffer on ${corpusTraces.length} traces of ${corpus.label}, and ${Object.keys(SYNTHETIC_PROFILES).length} synthetic ones`);
  const traces: [string, TraceRow[]][] = corpusTraces.map((t) => [t.name, t.rows]);
  for (const [name, profile] of Object.entries(SYNTHETIC_PROFILES)) traces.push([`synthetic ${name}`, syntheticTrace(profile)]);
  const rows: Row[] = [];
  const data: Record<string, unknown> = {};
  traces.forEach(([name, trace], i) => {
    const adaptive = runAdaptive(trace).stats;
    const fixed = runStatic(trace, 60).stats;
    const hindsight = runStatic(trace, hindsightDelayMs(trace)).stats;
    rows.push(row(name, 'invorto adaptive', adaptive), row(name, 'fixed 60 ms', { ...fixed, dropped: 0 }), row(name, 'hindsight q95+20', { ...hindsight, dropped: 0 }));
    data[name] = { adaptive, fixed, hindsight };
    progress('jitter traces', i + 1, traces.length);
  });
  const cost = await plcCost();
  writeReport('dsp-jitter', `Jitter buffer: ${corpusTraces.length} traces of ${corpus.label}, and synthetic ones`, { corpus: { kind: corpus.kind, dir: corpus.dir, traces: corpusTraces.length }, traces: data, cost }, {
    'Per trace (late loss: arrived after playout passed it; dropped: skipped on purpose to shrink delay)': rows,
    'Concealment cost': cost,
  });
}
