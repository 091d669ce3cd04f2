// Runs an RTP arrival trace through the jitter buffer (with audio: G.711 silence payloads, so concealment runs too)
// and through the two static baselines the benchmark compares against.
import { JitterBuffer } from './jitter-buffer.ts';
import { quantileOf, scorePlayout, simulatePlayout, type PlayoutSlot, type PlayoutStats, type TraceRow } from './rtp-trace.ts';

export interface TraceResult {
  playout: PlayoutSlot[];
  stats: PlayoutStats & { accelerated: number; stretched: number; duplicatesDropped: number; resyncs: number };
}

export function runAdaptive(rows: TraceRow[]): TraceResult {
  const buffer = new JitterBuffer({ codec: 'mulaw', sampleRateHz: 8000 });
  try {
    const playout = simulatePlayout(rows, {
      push: (packet) => { buffer.push(packet); },
      pull: (nowMs) => buffer.pull(nowMs),
      get buffered() { return buffer.buffered; },
      counts: () => ({ lateLost: buffer.control.stats.late, dropped: buffer.control.stats.accelerated }),
    });
    const { stats } = buffer.control;
    return {
      playout,
      stats: { ...scorePlayout(rows, playout, { lateLost: stats.late, dropped: stats.accelerated }), accelerated: stats.accelerated, stretched: stats.stretched, duplicatesDropped: stats.duplicates, resyncs: stats.resyncs },
    };
  } finally {
    buffer.dispose();
  }
}

/** A static buffer: packet n plays at the first packet's arrival + its timestamp offset + `delayMs`. */
export function runStatic(rows: TraceRow[], delayMs: number): { playout: PlayoutSlot[]; stats: PlayoutStats } {
  const arrivals = new Map<number, number>();
  for (const row of rows) if (row.arrivalMs !== null && !(arrivals.get(row.seq)! <= row.arrivalMs)) arrivals.set(row.seq, row.arrivalMs);
  const first = rows.filter((r) => r.arrivalMs !== null).reduce((a, b) => (a.arrivalMs! <= b.arrivalMs! ? a : b));
  const bySeq = new Map(rows.map((r) => [r.seq, r]));
  let lateLost = 0;
  const playout = [...bySeq.values()].sort((a, b) => a.rtpTs - b.rtpTs).map((row) => {
    const playMs = first.arrivalMs! + (row.rtpTs - first.rtpTs) / 8 + delayMs;
    const arrival = arrivals.get(row.seq);
    if (arrival !== undefined && arrival > playMs) lateLost++;
    return { play_ms: Number(playMs.toFixed(3)), seq: arrival !== undefined && arrival <= playMs ? row.seq : null };
  });
  return { playout, stats: scorePlayout(rows, playout, { lateLost, dropped: 0 }) };
}

/** The hindsight buffer's delay: the trace's own 0.95 quantile of relative delay + 20 ms (it knows the future). */
export function hindsightDelayMs(rows: TraceRow[]): number {
  const arrived = rows.filter((r) => r.arrivalMs !== null);
  const transit = arrived.map((r) => r.arrivalMs! - r.sendMs);
  const minTransit = Math.min(...transit);
  const first = arrived.reduce((a, b) => (a.arrivalMs! <= b.arrivalMs! ? a : b));
  // runStatic counts from the first arrival; convert "min transit + quantile + 20" into that frame of reference.
  return minTransit - (first.arrivalMs! - first.sendMs) + quantileOf(transit.map((t) => t - minTransit), 0.95) + 20;
}
