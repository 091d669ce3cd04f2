// `invorto bench load`: concurrent simulated Twilio calls against an edge in its own process, with the providers
// emulated in another, ramped to each level and held: frames sent/received/lost, per-frame edge latency, reply and
// turn latency, the edge's CPU, memory and event loop per call. The same run repeats against a baseline edge on the
// `ws` package and the plain-TS dsp, and reports the ratio. docs/load.md explains every number.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { corpus, loadVadCorpus } from '@invorto/dsp/corpus.ts';
import { resultsDir, writeReport, type Row } from '../report.ts';
import { MIN_SNR_DB } from '../load/caller-script.ts';
import { analyze, type LevelResult, type RunResult } from '../load/analysis.ts';
import { loadPlotSvg } from '../load/plot.ts';
import { refCheckout } from '../load/ref-checkout.ts';
import { EDGE_KINDS, runLoad, type EdgeKind } from '../load/run-load.ts';

const USAGE = `usage: invorto bench load [--calls 100,250,500,1000] [--edges invorto,baseline,uws-wasm] [--hold-s 20] [--ramp-per-s 50]
                          [--settle-s 3] [--generators N] [--data-dir DIR] [--pin] [--cpu-prof] [--soak-min M] [--call-s S]
                          [--ref REV] [--json]

  --calls       concurrent call levels, ramped to in order, each held for --hold-s
  --edges       which edges to load: invorto (the edge: uWebSockets.js + WASM dsp), baseline (a lean edge on ws +
                plain-TS dsp), uws-wasm (the same lean edge on uWebSockets.js + WASM dsp)
  --generators  caller processes (default: one per core)
  --data-dir    where the edge's temporary data dir is made (default: the OS temp dir; /dev/shm takes the disk out)
  --pin         the edge on a core of its own (the last), callers and providers on the others (taskset)
  --cpu-prof    write a V8 CPU profile of each edge process under bench/results/profiles/
  --soak-min    soak: hold the last --calls level this many minutes on the Invorto edge only, measured in windows of
                --soak-window-min (5) with calls replaced as they hang up after about --call-s (soak default 180 s)
  --call-s      each call hangs up after about this many seconds and a new one takes its place (default: none)
  --ref         also load the Invorto edge as it was at git revision REV (edge "invorto-ref", run first: a worktree
                under bench/results/, built once) and report REV's CPU per call ÷ today's (ratio_vs_ref)`;

export interface LoadBenchOptions {
  levels: number[];
  edges: EdgeKind[];
  holdS: number;
  rampPerS: number;
  settleS: number;
  generatorProcesses: number;
  cpuProfDir?: string;
  pin?: boolean;
  dataParentDir?: string;
  callDurationS?: number;
  /** The worktree of --ref (ref-checkout.ts), for the invorto-ref edge. */
  refDir?: string;
  onProgress?: (line: string) => void;
}

export interface LoadSummary {
  calls: number;
  frames_sent: number;
  frames_received: number;
  frames_lost: number;
  frame_latency_ms: { p50: number; p95: number; p99: number };
  edge_cpu_percent: number;
  edge_rss_mb: number;
  calls_per_core: number;
  /** Baseline ÷ Invorto, at the highest level neither saturated: above 1, Invorto is cheaper / faster. */
  ratio_vs_baseline: Ratio | null;
  /** Baseline ÷ uws-wasm: the same lean edge on the two stacks, i.e. what uWebSockets.js and WASM buy on their own. */
  stack_ratio: Ratio | null;
  /** --ref's edge ÷ today's, the same way: above 1, today's edge is cheaper / faster than it was at REV. */
  ratio_vs_ref: Ratio | null;
  runs: Partial<Record<EdgeKind, RunResult>>;
}

type Ratio = { cpu_per_call: number; frame_latency_p99: number; at_calls: number };

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Runs each edge in turn and summarizes; the headline numbers are the Invorto edge's (or the only edge run). */
export async function benchLoad(options: LoadBenchOptions): Promise<LoadSummary> {
  const runs: Partial<Record<EdgeKind, RunResult>> = {};
  for (const edge of options.edges) runs[edge] = analyze(await runLoad({ ...options, edge }));
  return summarizeLoad(runs);
}

/** The object `--json` prints: the highest level's numbers at the top, whole-run frame counts, every run in full. */
export function summarizeLoad(runs: Partial<Record<EdgeKind, RunResult>>): LoadSummary {
  const main = runs.invorto ?? runs.baseline ?? runs['uws-wasm'];
  if (!main) throw new Error('no load run to summarize');
  const top = main.levels.at(-1)!;
  return {
    calls: top.calls_held,
    frames_sent: main.frames_sent,
    frames_received: main.frames_received,
    frames_lost: main.frames_lost,
    frame_latency_ms: { p50: top.frame_latency_ms.p50, p95: top.frame_latency_ms.p95, p99: top.frame_latency_ms.p99 },
    edge_cpu_percent: top.edge_cpu_percent,
    edge_rss_mb: top.edge_rss_mb,
    calls_per_core: capacity(main.levels),
    ratio_vs_baseline: runs.invorto && runs.baseline ? ratio(runs.invorto.levels, runs.baseline.levels) : null,
    stack_ratio: runs['uws-wasm'] && runs.baseline ? ratio(runs['uws-wasm'].levels, runs.baseline.levels) : null,
    ratio_vs_ref: runs.invorto && runs['invorto-ref'] ? ratio(runs.invorto.levels, runs['invorto-ref'].levels) : null,
    runs,
  };
}

/** Calls per core: at the highest level where the core was not yet full (cost per call is flattest there). */
function capacity(levels: LevelResult[]): number {
  const unsaturated = levels.filter((l) => !l.saturated);
  return (unsaturated.at(-1) ?? levels[0]).calls_per_core;
}

/** Baseline over the other edge at the highest level neither saturated (or the lowest level). */
function ratio(other: LevelResult[], baseline: LevelResult[]): Ratio | null {
  const pairs = other.map((l, i) => [l, baseline[i]] as const).filter(([a, b]) => b && a.calls === b.calls);
  if (pairs.length === 0) return null;
  const [a, b] = pairs.filter(([x, y]) => !x.saturated && !y.saturated).at(-1) ?? pairs[0];
  return {
    cpu_per_call: round(b.edge_cpu_percent_per_call / Math.max(1e-9, a.edge_cpu_percent_per_call)),
    frame_latency_p99: round(b.frame_latency_ms.p99 / Math.max(1e-9, a.frame_latency_ms.p99)),
    at_calls: a.calls,
  };
}

/** GC share of the time and longest pause; null when the edge was too far behind to say. */
const gcCell = (l: LevelResult) => l.edge_gc && `${l.edge_gc.percent_of_time} / ${l.edge_gc.max_ms}`;

function levelRow(edge: string, l: LevelResult, baseline?: LevelResult): Row {
  return {
    edge, calls: l.calls, held: l.calls_held,
    'frames sent': l.frames_sent, 'frames recv': l.frames_received, lost: l.frames_lost,
    'p50 ms': l.frame_latency_ms.p50, 'p95 ms': l.frame_latency_ms.p95, 'p99 ms': l.frame_latency_ms.p99,
    'edge CPU %': l.edge_cpu_percent, 'RSS MB': l.edge_rss_mb, 'calls/core': l.calls_per_core,
    'loop lag p99 ms': l.edge_loop_lag_ms?.p99 ?? null, 'loop lag max ms': l.edge_loop_lag_ms?.max ?? null, 'GC % / max ms': gcCell(l),
    'TTS->frame p99 ms': l.tts_to_frame_ms.p99, 'turn p50 ms': l.turn_latency_ms.p50,
    'gen CPU %': l.generator_cpu_percent, 'providers CPU %': l.providers_cpu_percent, 'providers lag p99 ms': l.providers_loop_lag_ms?.p99 ?? null, 'machine CPU %': l.machine_cpu_percent,
    'baseline CPU ÷ this': baseline ? `${round(baseline.edge_cpu_percent_per_call / Math.max(1e-9, l.edge_cpu_percent_per_call))}x` : null,
    saturated: l.saturated ? (l.machine_saturated ? 'yes (machine too)' : 'yes') : l.machine_saturated ? 'machine' : 'no',
  };
}

/** A soak's windows in order: what should stay flat (latency, CPU, memory, GC) beside when it was measured. */
function soakRows(summary: LoadSummary, holdMin: number): Row[] {
  return (summary.runs.invorto?.levels ?? []).map((l, i) => ({
    'minutes': `${round(i * holdMin, 1)}-${round((i + 1) * holdMin, 1)}`, held: l.calls_held, 'frames sent': l.frames_sent, lost: l.frames_lost,
    'p50 ms': l.frame_latency_ms.p50, 'p99 ms': l.frame_latency_ms.p99, 'turn p50 ms': l.turn_latency_ms.p50, 'edge CPU %': l.edge_cpu_percent,
    'RSS MB': l.edge_rss_mb, 'JS heap MB': l.edge_memory_mb?.heap_used ?? null, 'ArrayBuffers MB': l.edge_memory_mb?.array_buffers ?? null,
    'loop lag p99 / max ms': l.edge_loop_lag_ms && `${l.edge_loop_lag_ms.p99} / ${l.edge_loop_lag_ms.max}`, 'GC % / max ms': gcCell(l),
  }));
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      calls: { type: 'string', default: '100,250,500,1000' }, edges: { type: 'string', default: 'invorto,baseline,uws-wasm' },
      'hold-s': { type: 'string', default: '20' }, 'ramp-per-s': { type: 'string', default: '50' }, 'settle-s': { type: 'string', default: '3' },
      generators: { type: 'string', default: String(availableParallelism()) }, 'cpu-prof': { type: 'boolean', default: false }, pin: { type: 'boolean', default: false }, 'data-dir': { type: 'string' },
      'soak-min': { type: 'string' }, 'soak-window-min': { type: 'string', default: '5' }, 'call-s': { type: 'string' }, ref: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.error(USAGE);
    return;
  }
  const levels = values.calls.split(',').map(Number);
  if (levels.some((n) => !Number.isInteger(n) || n < 1 || n > 20_000) || levels.some((n, i) => i > 0 && n <= levels[i - 1])) {
    throw new Error(`bad --calls "${values.calls}": give increasing whole numbers of calls, e.g. 100,250,500`);
  }
  const edges = values.edges.split(',').filter(Boolean) as EdgeKind[];
  if (edges.length === 0 || edges.some((e) => !EDGE_KINDS.includes(e))) throw new Error(`bad --edges "${values.edges}": use any of ${EDGE_KINDS.join(', ')}`);
  if (edges.includes('invorto-ref') && !values.ref) throw new Error('--edges invorto-ref needs --ref REV (the git revision to compare with)');
  // The old edge first: if the host slows down as the run goes on, that counts against today's edge, not for it.
  if (values.ref && !edges.includes('invorto-ref')) edges.unshift('invorto-ref');
  const refDir = values.ref ? refCheckout(values.ref, (line) => process.stderr.write(`${line}\n`)).dir : undefined;
  const soakMin = values['soak-min'] === undefined ? null : Number(values['soak-min']);
  if (soakMin !== null && !(soakMin > 0 && soakMin <= 24 * 60)) throw new Error(`bad --soak-min "${values['soak-min']}": give minutes, 1 to 1440`);
  const windowMin = Number(values['soak-window-min']);
  if (!(windowMin > 0 && windowMin <= (soakMin ?? Infinity))) throw new Error(`bad --soak-window-min "${values['soak-window-min']}": give minutes, at most --soak-min`);
  const callDurationS = values['call-s'] === undefined ? (soakMin ? 180 : 0) : Number(values['call-s']);
  if (!(callDurationS >= 0)) throw new Error(`bad --call-s "${values['call-s']}": give seconds (0: calls last the run)`);
  const cpuProfDir = values['cpu-prof'] ? join(resultsDir, 'profiles') : undefined;
  if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
  // Every caller speaks corpus clips: say whose.
  const clips = loadVadCorpus().filter((clip) => clip.snrDb >= MIN_SNR_DB).length;
  process.stderr.write(`callers speak the ${clips} clip(s) at ${MIN_SNR_DB} dB SNR or better of ${corpus.label}\n`);
  // A soak is the same level held window after window: each window is measured on its own, so drift shows.
  const soakWindows = soakMin ? Math.ceil(soakMin / windowMin) : 0;
  const summary = await benchLoad({
    levels: soakMin ? Array<number>(soakWindows).fill(levels.at(-1)!) : levels, edges: soakMin ? ['invorto'] : edges, callDurationS,
    holdS: soakMin ? Math.round((soakMin * 60) / soakWindows) : Math.max(1, Number(values['hold-s'])), rampPerS: Math.max(1, Number(values['ramp-per-s'])),
    settleS: Math.max(0, Number(values['settle-s'])), generatorProcesses: Math.max(1, Number(values.generators)), cpuProfDir, pin: values.pin, dataParentDir: values['data-dir'],
    refDir, onProgress: (line) => process.stderr.write(`${line}\n`),
  });
  const name = soakMin ? 'load-soak' : 'load';
  mkdirSync(resultsDir, { recursive: true });
  const svg = join(resultsDir, `${name}.svg`);
  const holdMin = soakMin ? soakMin / soakWindows : 0;
  writeFileSync(svg, loadPlotSvg(Object.values(summary.runs), soakMin ? { title: `a ${levels.at(-1)}-call soak, window by window`, label: 'minutes held', of: (_l, i) => round((i + 1) * holdMin, 1) } : undefined));
  if (values.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const { baseline } = summary.runs;
  const rows: Row[] = EDGE_KINDS.flatMap((kind) => summary.runs[kind]?.levels.map((l, i) =>
    levelRow(kind, l, kind !== 'baseline' && baseline?.levels[i]?.calls === l.calls ? baseline.levels[i] : undefined)) ?? []);
  const totals: Row[] = Object.values(summary.runs).map((r) => ({
    edge: r.edge, 'frames sent': r.frames_sent, 'frames recv': r.frames_received, lost: r.frames_lost,
    'frames before ASR open': r.frames_before_asr_open, 'unmatched ASR sockets': r.unidentified_asr_sockets,
    'generator lateness p50 ms': r.generator_lateness_ms.p50, 'generator lateness p99 ms': r.generator_lateness_ms.p99,
  }));
  writeReport(name, 'Capacity: concurrent Twilio calls on one edge worker, providers emulated in another process', summary, {
    ...(soakMin ? { [`soak: ${levels.at(-1)} calls, each window ${round(holdMin, 1)} min, calls replaced after about ${callDurationS} s`]: soakRows(summary, holdMin) } : {}),
    'per level held (frame latency: caller frame sent -> same frame at the ASR emulator)': rows,
    'whole run': totals,
  });
  console.log(`wrote ${svg}`);
}
