// One load run against one edge: providers, edge and generator processes are started, calls ramped to each level
// and held there while the edge's CPU, memory and event loop are sampled, then every call hangs up and the frames
// the generator sent are matched with those the ASR emulator received. Every process is stopped, also on error.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { mintMediaToken } from '@invorto/edge/auth/media-token.ts';
import { cpuPercent, residentMb, sampleCpu, sampleCpuOf, sampleMachine, type CpuSample } from './proc-stats.ts';
import { BENCH_DEEPGRAM_KEY, BENCH_OPENAI_KEY, clockMs, repoRoot, startChild, type BenchChild, type CallResult, type EdgeReport, type GeneratorReport, type ProviderReport } from './shared.ts';

/**
 * invorto: the real edge. baseline: the lean edge on `ws` + the plain-TS dsp. uws-wasm: the same lean edge on
 * uWebSockets.js + the WASM dsp, so that baseline against it is what those two buy and nothing else.
 */
export type EdgeKind = 'invorto' | 'baseline' | 'uws-wasm' | 'invorto-ref';
/** invorto-ref: the Invorto edge at another git revision (`--ref`, ref-checkout.ts), for same-run regression checks. */
export const EDGE_KINDS: readonly EdgeKind[] = ['invorto', 'baseline', 'uws-wasm', 'invorto-ref'];

export interface LoadOptions {
  edge: EdgeKind;
  /** invorto-ref: the worktree whose edge runs. */
  refDir?: string;
  /** Concurrent calls to ramp to, in order; each is held for holdS. */
  levels: number[];
  /** New calls per second while ramping. */
  rampPerS: number;
  holdS: number;
  /** Wait after reaching a level before measuring (ramp transients). */
  settleS: number;
  generatorProcesses: number;
  /** Write a V8 CPU profile of the edge process here. */
  cpuProfDir?: string;
  /** Where the edge's temporary data dir (history, phrase cache, timeline) is made; default the OS temp dir. */
  dataParentDir?: string;
  /** Calls hang up after about this long and new ones take their place (0 or unset: every call lasts the run). */
  callDurationS?: number;
  /** Give the edge a core of its own (the last), and the callers and providers the others: Linux, 2+ cores. */
  pin?: boolean;
  onProgress?: (line: string) => void;
}

/** What was seen while one level was held. */
export interface LevelWindow {
  calls: number;
  startMs: number;
  endMs: number;
  callsHeld: number;
  callsFailed: number;
  /** Agent audio frames the callers received during the window. */
  agentFrames: number;
  edgeCpuPercent: number;
  edgeRssMb: number;
  /** Null when the edge's loop was too far behind to answer within 30 s. */
  edgeLoop: LoopStats | null;
  /** The provider emulators' own loop: their delays are part of each measured frame latency. */
  providersLoop: LoopStats | null;
  generatorCpuPercent: number;
  providersCpuPercent: number;
  machineCpuPercent: number;
}

export interface RawRun {
  edge: EdgeKind;
  windows: LevelWindow[];
  calls: CallResult[];
  latenessHistogram: Uint32Array;
  providers: Extract<ProviderReport, { type: 'collected' }>;
  edgeRssStartMb: number;
}

type LoopStats = Omit<Extract<EdgeReport, { type: 'stats' }>, 'type' | 'id'>;

/** Sets the CPU affinity of every thread of a process (taskset -a). */
function pinTo(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const here = (file: string) => join(repoRoot, 'bench/src/load', file);

async function drained(providers: BenchChild<ProviderReport>, progress: (line: string) => void): Promise<void> {
  const count = async () => {
    providers.send({ type: 'count' });
    return (await providers.next<Extract<ProviderReport, { type: 'count' }>>('count')).arrivals;
  };
  const deadline = clockMs() + 60_000;
  let last = await count();
  let quietSinceMs = clockMs();
  let reportedMs = clockMs();
  while (clockMs() - quietSinceMs < 1500 && clockMs() < deadline) {
    await sleep(250);
    const now = await count();
    if (now !== last) {
      last = now;
      quietSinceMs = clockMs();
    }
    if (clockMs() - reportedMs >= 5000) {
      progress(`[load] frames still arriving at the ASR emulator (${last} so far)`);
      reportedMs = clockMs();
    }
  }
}

export async function runLoad(options: LoadOptions): Promise<RawRun> {
  const progress = options.onProgress ?? (() => undefined);
  const children: BenchChild<{ type: string }>[] = [];
  try {
    const providers = startChild<ProviderReport>(here('provider-process.ts'));
    children.push(providers);
    const urls = await providers.next<Extract<ProviderReport, { type: 'ready' }>>('ready');
    const secret = randomBytes(16).toString('hex');
    const maxCalls = Math.max(...options.levels) + 50;
    const env = {
      DEEPGRAM_API_KEY: BENCH_DEEPGRAM_KEY, DEEPGRAM_BASE_URL: urls.deepgramUrl, OPENAI_API_KEY: BENCH_OPENAI_KEY, OPENAI_BASE_URL: `${urls.openaiUrl}/v1`,
      INVORTO_MEDIA_TOKEN_SECRET: secret, INVORTO_MAX_CALLS: String(maxCalls), INVORTO_LOG_LEVEL: 'error',
    };
    // One profile per thread (tsx runs its loader in a thread of its own): the edge's is the main thread's, the largest.
    const execArgv = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${join(options.cpuProfDir, `${options.edge}-edge`)}`] : [];
    const lean = options.edge === 'baseline' || options.edge === 'uws-wasm';
    const edgeEnv = { ...env, ...(lean ? { LEAN_STACK: options.edge === 'uws-wasm' ? 'uws-wasm' : 'ws-ts' } : {}), ...(options.dataParentDir ? { TMPDIR: options.dataParentDir } : {}) };
    if (options.edge === 'invorto-ref' && !options.refDir) throw new Error('the invorto-ref edge needs --ref REV');
    const edgeFile = options.edge === 'invorto-ref' ? join(options.refDir!, 'bench/src/load/edge-process.ts') : here(lean ? 'baseline-edge.ts' : 'edge-process.ts');
    const edge = startChild<EdgeReport>(edgeFile, { env: edgeEnv, execArgv });
    children.push(edge);
    const { port } = await edge.next<Extract<EdgeReport, { type: 'ready' }>>('ready');
    const edgeRssStartMb = residentMb(edge.pid);
    const token = mintMediaToken(secret, { tenantId: 'default', agentId: 'bench-load', expiresAt: Date.now() / 1000 + 24 * 3600 });
    const url = `ws://127.0.0.1:${port}/media/twilio?token=${token}`;
    const generators = Array.from({ length: Math.max(1, options.generatorProcesses) }, () => startChild<GeneratorReport>(here('generator-worker.ts')));
    children.push(...generators);
    for (const g of generators) g.send({ type: 'config', url, callDurationMs: (options.callDurationS ?? 0) * 1000 });
    await Promise.all(generators.map((g) => g.next('configured')));

    const status = async () => {
      for (const g of generators) g.send({ type: 'status' });
      const all = await Promise.all(generators.map((g) => g.next<Extract<GeneratorReport, { type: 'status' }>>('status')));
      return all.reduce((sum, s) => ({ open: sum.open + s.open, failed: sum.failed + s.failed, framesSent: sum.framesSent + s.framesSent, agentFrames: sum.agentFrames + s.agentFrames }), { open: 0, failed: 0, framesSent: 0, agentFrames: 0 });
    };
    // An overloaded edge may answer very late, or not before the run ends: its stats are then unknown (null), and an
    // answer that comes after its request gave up is recognised by its id and dropped.
    let statsRequests = 0;
    const loopStats = async (child: BenchChild<{ type: string }>): Promise<LoopStats | null> => {
      const id = ++statsRequests;
      child.send({ type: 'stats', id });
      const deadline = clockMs() + 30_000;
      try {
        for (;;) {
          const { type: _type, id: answered, ...stats } = await child.next<Extract<EdgeReport, { type: 'stats' }>>('stats', Math.max(1, deadline - clockMs()));
          if (answered === id) return stats;
        }
      } catch (error) {
        if (!child.child.connected) throw error;
        progress(`[load ${options.edge}] ${child === edge ? 'the edge' : 'the providers process'} did not report its event loop within 30 s`);
        return null;
      }
    };
    if (options.pin) {
      const cores = availableParallelism();
      if (cores < 2) throw new Error('--pin needs at least 2 cores: one for the edge, the rest for callers and providers');
      pinTo(edge.pid, String(cores - 1));
      for (const child of [providers, ...generators]) pinTo(child.pid, `0-${cores - 2}`);
    }
    const generatorPids = generators.map((g) => g.pid);
    const windows: LevelWindow[] = [];
    let placed = 0;
    for (const [index, level] of options.levels.entries()) {
      // The same level again (a soak's next window) goes straight on: no ramp, no settling, no gap in the measurement.
      const continued = index > 0 && level === options.levels[index - 1];
      // Ramp: new calls in batches every 100 ms, spread over the generator processes.
      while (placed < level) {
        const batch = Math.max(1, Math.min(level - placed, Math.round(options.rampPerS / 10)));
        for (let i = 0; i < batch; i++, placed++) generators[placed % generators.length].send({ type: 'add', callIds: [placed] });
        await sleep(100);
      }
      const deadline = clockMs() + 10_000;
      let now = await status();
      while (!continued && now.open + now.failed < level && clockMs() < deadline) {
        await sleep(250);
        now = await status();
      }
      if (!continued) {
        progress(`[load ${options.edge}] ${now.open}/${level} calls open${now.failed ? `, ${now.failed} failed` : ''}; settling ${options.settleS} s`);
        await sleep(options.settleS * 1000);
      }
      await Promise.all([loopStats(edge), loopStats(providers)]); // resets the loop monitors: the window starts here
      const from = { edge: sampleCpu(edge.pid), generators: sampleCpuOf(generatorPids), providers: sampleCpu(providers.pid), machine: sampleMachine() };
      now = await status(); // the counts the window starts from
      const startMs = clockMs();
      const agentFramesAtStart = now.agentFrames;
      let lastFrames = now.framesSent;
      let lastCpu: CpuSample = from.edge;
      for (let s = 1; s <= options.holdS; s++) {
        await sleep(1000);
        if (s % 5 === 0 || s === options.holdS) {
          now = await status();
          const cpu = sampleCpu(edge.pid);
          progress(`[load ${options.edge}] ${level} calls: ${now.open} open, ${((now.framesSent - lastFrames) / 5).toFixed(0)} frames/s, edge CPU ${cpuPercent(lastCpu, cpu).toFixed(0)} %, RSS ${residentMb(edge.pid).toFixed(0)} MB, hold ${s}/${options.holdS} s`);
          lastFrames = now.framesSent;
          lastCpu = cpu;
        }
      }
      const endMs = clockMs();
      const to = { edge: sampleCpu(edge.pid), generators: sampleCpuOf(generatorPids), providers: sampleCpu(providers.pid), machine: sampleMachine() };
      now = await status();
      windows.push({
        calls: level, startMs, endMs, callsHeld: now.open, callsFailed: now.failed, agentFrames: now.agentFrames - agentFramesAtStart,
        edgeCpuPercent: cpuPercent(from.edge, to.edge), edgeRssMb: residentMb(edge.pid), edgeLoop: await loopStats(edge), providersLoop: await loopStats(providers),
        generatorCpuPercent: cpuPercent(from.generators, to.generators), providersCpuPercent: cpuPercent(from.providers, to.providers),
        machineCpuPercent: (100 * (to.machine.busy - from.machine.busy)) / Math.max(1, to.machine.total - from.machine.total),
      });
    }
    progress(`[load ${options.edge}] hanging up ${placed} calls`);
    for (const g of generators) g.send({ type: 'hangup' });
    const results = await Promise.all(generators.map((g) => g.next<Extract<GeneratorReport, { type: 'result' }>>('result', 60_000)));
    // The edge closes each ASR stream after the last frame it forwarded, but an edge that fell behind still has
    // frames on their way: wait until arrivals stop (1.5 s without one, at most 60 s), so a late frame is not
    // counted as lost.
    await drained(providers, progress);
    providers.send({ type: 'collect' });
    const collected = await providers.next<Extract<ProviderReport, { type: 'collected' }>>('collected', 60_000);
    const latenessHistogram = new Uint32Array(results[0].latenessHistogram.length);
    for (const r of results) r.latenessHistogram.forEach((n, i) => { latenessHistogram[i] += n; });
    return { edge: options.edge, windows, calls: results.flatMap((r) => r.calls), latenessHistogram, providers: collected, edgeRssStartMb };
  } finally {
    // Generators first (their calls end), then the edge (its profile is written as it exits), then the providers.
    for (const child of [...children].reverse()) await child.stop();
  }
}
