// Turns a load run's raw records into its numbers: frames matched sender-to-emulator (the n-th audio message on a
// call's ASR socket is its n-th frame), per-frame edge latency, reply and turn latency, per level held.
import type { LevelWindow, RawRun } from './run-load.ts';
import { FRAME_MS, LATENESS_BUCKET_MS, PROVIDER_LATENCY, type CallResult, type ListenRecord } from './shared.ts';

export interface Percentiles { p50: number; p95: number; p99: number; max: number }

export interface LevelResult {
  calls: number;
  calls_held: number;
  calls_failed: number;
  frames_sent: number;
  frames_received: number;
  frames_lost: number;
  /** Inbound frame sent by the caller -> the same frame at the ASR emulator. */
  frame_latency_ms: Percentiles;
  /** The TTS emulator's first chunk of a reply -> the reply's first frame at the caller. */
  tts_to_frame_ms: Percentiles;
  /** Caller speech end -> agent's first audio, minus the emulated provider latency. */
  turn_latency_ms: Percentiles;
  turns: number;
  agent_frames: number;
  edge_cpu_percent: number;
  edge_cpu_percent_per_call: number;
  /** Calls one core would hold at this level's cost per call. */
  calls_per_core: number;
  edge_rss_mb: number;
  edge_rss_mb_per_call: number;
  /** The edge's loop numbers are null when it was too far behind to report them. */
  edge_loop_lag_ms: { p50: number; p99: number; max: number } | null;
  edge_loop_utilization: number | null;
  /** Garbage collection in the edge during the window: pauses, their total share of the time, the longest. */
  edge_gc: { pauses: number; percent_of_time: number; max_ms: number } | null;
  /** Where the edge's memory was at the end of the hold: the JS heap, and ArrayBuffers (audio, socket buffers). */
  edge_memory_mb: { heap_used: number; heap_total: number; array_buffers: number; external: number } | null;
  generator_cpu_percent: number;
  providers_cpu_percent: number;
  providers_loop_lag_ms: { p99: number; max: number } | null;
  machine_cpu_percent: number;
  /** The edge's core or loop was full, or frames were lost: latency there measures queueing, not the edge's work. */
  saturated: boolean;
  machine_saturated: boolean;
}

export interface RunResult {
  edge: string;
  frames_sent: number;
  frames_received: number;
  frames_lost: number;
  /** Frames sent before the call's ASR socket was open: the edge holds them by design, so they are not timed. */
  frames_before_asr_open: number;
  unidentified_asr_sockets: number;
  generator_lateness_ms: { p50: number; p99: number };
  levels: LevelResult[];
}

/** Past any of these the edge is saturated: its core or loop is full, or it could not keep every frame. */
export const SATURATED_CPU_PERCENT = 90;
export const SATURATED_LOOP_UTILIZATION = 0.85;
/** The whole machine this busy: callers, providers and edge compete for cores, and latency is the scheduler's. */
export const MACHINE_SATURATED_PERCENT = 90;

function percentiles(values: Float64Array | number[]): Percentiles {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => (sorted.length ? round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]) : null) as number;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted.length ? round(sorted[sorted.length - 1]) : (null as unknown as number) };
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** A growable list of doubles (a level can hold millions of frame latencies). */
class Doubles {
  values = new Float64Array(4096);
  length = 0;
  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
  get view(): Float64Array {
    return this.values.subarray(0, this.length);
  }
}

function histogramQuantile(histogram: Uint32Array, q: number): number {
  const total = histogram.reduce((a, b) => a + b, 0);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i];
    if (seen >= q * total) return round((i + 1) * LATENESS_BUCKET_MS);
  }
  return NaN;
}

export function analyze(run: RawRun): RunResult {
  const listens = new Map<number, ListenRecord>(run.providers.listens.map((l) => [l.callId, l]));
  const windowOf = (ms: number) => run.windows.findIndex((w) => ms >= w.startMs && ms < w.endMs);
  const perLevel = run.windows.map(() => ({ sent: 0, received: 0, latency: new Doubles(), tts: [] as number[], turns: [] as number[] }));
  let framesSent = 0;
  let framesReceived = 0;
  let beforeOpen = 0;
  const replyStarts = new Map<number, number[]>(run.calls.map((c) => [c.callId, c.replyStartsMs]));
  for (const call of run.calls) {
    const listen = listens.get(call.callId);
    const arrivals = listen?.arrivalsMs ?? new Float64Array(0);
    framesSent += call.sendMs.length;
    framesReceived += Math.min(arrivals.length, call.sendMs.length);
    for (let k = 0; k < call.sendMs.length; k++) {
      const sentMs = call.sendMs[k];
      if (listen && sentMs < listen.openedMs) beforeOpen++;
      const w = windowOf(sentMs);
      if (w < 0) continue;
      perLevel[w].sent++;
      if (k < arrivals.length) {
        perLevel[w].received++;
        if (sentMs >= listen!.openedMs) perLevel[w].latency.push(arrivals[k] - sentMs);
      }
    }
    turnLatencies(call, (speechEndMs, latencyMs) => {
      const w = windowOf(speechEndMs);
      if (w >= 0) perLevel[w].turns.push(latencyMs);
    });
  }
  for (const reply of run.providers.replies) {
    const starts = replyStarts.get(reply.callId) ?? [];
    const start = starts.find((ms) => ms >= reply.firstChunkMs - 0.5 && ms < reply.firstChunkMs + 2000);
    const w = windowOf(reply.firstChunkMs);
    if (start !== undefined && w >= 0) perLevel[w].tts.push(start - reply.firstChunkMs);
  }
  const levels = run.windows.map((window, i) => levelResult(window, perLevel[i], run.edgeRssStartMb));
  return {
    edge: run.edge,
    frames_sent: framesSent,
    frames_received: framesReceived,
    frames_lost: framesSent - framesReceived,
    frames_before_asr_open: beforeOpen,
    unidentified_asr_sockets: run.providers.unidentifiedSockets,
    generator_lateness_ms: { p50: histogramQuantile(run.latenessHistogram, 0.5), p99: histogramQuantile(run.latenessHistogram, 0.99) },
    levels,
  };
}

/** For each utterance the caller finished: the first agent audio after it (before the next one), net of providers. */
function turnLatencies(call: CallResult, record: (speechEndMs: number, latencyMs: number) => void): void {
  const providerMs = PROVIDER_LATENCY.asrFinalMs + PROVIDER_LATENCY.llmFirstTokenMs + PROVIDER_LATENCY.ttsFirstByteMs;
  call.speechEndsMs.forEach((endMs, i) => {
    const nextEndMs = call.speechEndsMs[i + 1] ?? Infinity;
    const reply = call.replyStartsMs.find((ms) => ms > endMs && ms < nextEndMs);
    // The frame holding the speech end is sent as its 20 ms begins; the speech ended within it.
    if (reply !== undefined) record(endMs, reply - endMs + FRAME_MS / 2 - providerMs);
  });
}

function levelResult(window: LevelWindow, level: { sent: number; received: number; latency: Doubles; tts: number[]; turns: number[] }, rssStartMb: number): LevelResult {
  const perCall = window.edgeCpuPercent / Math.max(1, window.callsHeld);
  const loop = window.edgeLoop;
  const saturated = window.edgeCpuPercent >= SATURATED_CPU_PERCENT || !loop || loop.utilization >= SATURATED_LOOP_UTILIZATION || level.sent !== level.received;
  return {
    calls: window.calls,
    calls_held: window.callsHeld,
    calls_failed: window.callsFailed,
    frames_sent: level.sent,
    frames_received: level.received,
    frames_lost: level.sent - level.received,
    frame_latency_ms: percentiles(level.latency.view),
    tts_to_frame_ms: percentiles(level.tts),
    turn_latency_ms: percentiles(level.turns),
    turns: level.turns.length,
    agent_frames: window.agentFrames,
    edge_cpu_percent: round(window.edgeCpuPercent, 1),
    edge_cpu_percent_per_call: round(perCall, 3),
    calls_per_core: Math.round(100 / Math.max(1e-9, perCall)),
    edge_rss_mb: round(window.edgeRssMb, 1),
    edge_rss_mb_per_call: round((window.edgeRssMb - rssStartMb) / Math.max(1, window.callsHeld), 3),
    edge_loop_lag_ms: loop && { p50: round(loop.lagP50Ms), p99: round(loop.lagP99Ms), max: round(loop.lagMaxMs) },
    edge_loop_utilization: loop && round(loop.utilization, 3),
    edge_memory_mb: loop && {
      heap_used: round(loop.memory.heapUsedMb, 1), heap_total: round(loop.memory.heapTotalMb, 1),
      array_buffers: round(loop.memory.arrayBuffersMb, 1), external: round(loop.memory.externalMb, 1),
    },
    edge_gc: loop && { pauses: loop.gc.count, percent_of_time: round((100 * loop.gc.totalMs) / Math.max(1, window.endMs - window.startMs)), max_ms: round(loop.gc.maxMs) },
    generator_cpu_percent: round(window.generatorCpuPercent, 1),
    providers_cpu_percent: round(window.providersCpuPercent, 1),
    providers_loop_lag_ms: window.providersLoop && { p99: round(window.providersLoop.lagP99Ms), max: round(window.providersLoop.lagMaxMs) },
    machine_cpu_percent: round(window.machineCpuPercent, 1),
    saturated,
    machine_saturated: window.machineCpuPercent >= MACHINE_SATURATED_PERCENT,
  };
}
