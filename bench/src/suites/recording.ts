// `invorto bench recording`: what the call recorder costs a call. 100 recorders (one per concurrent call) are fed
// 60 s of 20 ms frames each (caller and agent, mu-law 8 kHz) on a simulated clock, yielding to the event loop
// every simulated second so their spills to disk complete as they would; measured: process CPU (the writes on
// libuv's threads included) and the audio bytes held in memory, per call and per second of audio. The baseline in
// the same run pushes the same frames into a plain array of Buffers (the cheapest keeping of the audio: no
// interleaving, no file, memory growing with the call).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CallRecorder } from '@invorto/edge/recording/call-recorder.ts';
import { writeReport, type Row } from '../report.ts';

const FRAME_BYTES = 160;

interface Measured {
  cpuUs: number;
  wallMs: number;
  peakHeldBytes: number;
  finishCpuUs: number;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

function frames(seed: number): Uint8Array[] {
  // Distinct frames (a slow sweep of codes), so nothing is shared or folded away.
  return Array.from({ length: 50 }, (_, k) => new Uint8Array(FRAME_BYTES).map((_, i) => (seed * 31 + k * 7 + i) & 0x7f));
}

async function runRecorders(calls: number, seconds: number, dir: string): Promise<Measured> {
  let clockMs = 0;
  const recorders = Array.from({ length: calls }, (_, c) => new CallRecorder({ encoding: 'mulaw', input: { encoding: 'mulaw', sampleRateHz: 8000 }, file: join(dir, `call-${c}.wav`), nowMs: () => clockMs }));
  const source = frames(1);
  let peakHeldBytes = 0;
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let s = 0; s < seconds; s++) {
    for (let f = 0; f < 50; f++) {
      clockMs += 20;
      for (const recorder of recorders) {
        recorder.caller(source[f]);
        recorder.agent(source[49 - f]);
      }
    }
    peakHeldBytes = Math.max(peakHeldBytes, recorders.reduce((sum, r) => sum + r.heldBytes, 0));
    await tick();
  }
  const cpu1 = process.cpuUsage(cpu0);
  const wallMs = performance.now() - wall0;
  const finish0 = process.cpuUsage();
  const done = await Promise.all(recorders.map((r) => r.finish()));
  const finish1 = process.cpuUsage(finish0);
  const stopped = recorders.filter((r) => r.stopped);
  if (stopped.length || done.some((d) => !d)) throw new Error(`recorders stopped: ${stopped[0]?.stopped}`);
  return { cpuUs: cpu1.user + cpu1.system, wallMs, peakHeldBytes, finishCpuUs: finish1.user + finish1.system };
}

async function runBaseline(calls: number, seconds: number): Promise<Measured> {
  const kept: Buffer[][] = Array.from({ length: calls }, () => []);
  const source = frames(1);
  let peakHeldBytes = 0;
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let s = 0; s < seconds; s++) {
    for (let f = 0; f < 50; f++) {
      for (const list of kept) {
        list.push(Buffer.from(source[f]));
        list.push(Buffer.from(source[49 - f]));
      }
    }
    peakHeldBytes = (s + 1) * 50 * 2 * FRAME_BYTES * calls;
    await tick();
  }
  const cpu1 = process.cpuUsage(cpu0);
  return { cpuUs: cpu1.user + cpu1.system, wallMs: performance.now() - wall0, peakHeldBytes, finishCpuUs: 0 };
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { calls: { type: 'string', default: '100' }, seconds: { type: 'string', default: '60' }, rounds: { type: 'string', default: '3' } } });
  const calls = Number(values.calls);
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  const dir = mkdtempSync(join(tmpdir(), 'invorto-bench-recording-'));
  const results: { recorder: Measured[]; baseline: Measured[] } = { recorder: [], baseline: [] };
  try {
    for (let round = 0; round < rounds; round++) {
      results.baseline.push(await runBaseline(calls, seconds));
      results.recorder.push(await runRecorders(calls, seconds, dir));
      process.stderr.write(`round ${round + 1}/${rounds}\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const audioSeconds = calls * seconds;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const row = (name: string, runs: Measured[]): Row => ({
    what: name,
    'CPU µs per call per s of audio': median(runs.map((r) => r.cpuUs)) / audioSeconds,
    'CPU at hang-up per call, µs': median(runs.map((r) => r.finishCpuUs)) / calls,
    'peak bytes held per call': Math.round(median(runs.map((r) => r.peakHeldBytes)) / calls),
    'bytes per call per s of audio': Math.round(median(runs.map((r) => r.peakHeldBytes)) / calls / seconds),
    'wall ms (all calls)': Math.round(median(runs.map((r) => r.wallMs))),
  });
  const rows = [row('recorder (stereo mu-law, spills to disk)', results.recorder), row('baseline: frames into an array of Buffers', results.baseline)];
  writeReport('recording', `Call recorder cost: ${calls} concurrent calls x ${seconds} s of 20 ms frames (median of ${rounds} rounds)`, { calls, seconds, rounds, results }, { 'Per call': rows });
}
