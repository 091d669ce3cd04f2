// Synthetic RTP arrival traces with known impairments, for tests and for checking that the jitter buffer
// generalises beyond the corpus: Gaussian jitter, delay spikes that drain like a queue, Gilbert-Elliott bursty loss,
// reordering and duplicates. Seeded, so a trace is reproducible.
import type { TraceRow } from './rtp-trace.ts';
import { gaussianFrom, seededRandom } from './seeded-random.ts';

export interface TraceProfile {
  packets: number;
  baseMs: number;
  jitterMs: number;
  /** Chance per packet that a delay spike starts, and its height; it drains at one frame per packet. */
  spikeP: number;
  spikeMs: number;
  /** Gilbert-Elliott: chance to enter the bad state, chance to lose a packet while in it. */
  lossEnterP: number;
  lossBadP: number;
  reorderP: number;
  duplicateP: number;
  firstSeq?: number;
  seed?: number;
}

export function syntheticTrace(profile: TraceProfile): TraceRow[] {
  const next = seededRandom(profile.seed ?? 1);
  const gaussian = gaussianFrom(next);
  const rows: TraceRow[] = [];
  const lost: TraceRow[] = [];
  let spike = 0;
  let bad = false;
  for (let i = 0; i < profile.packets; i++) {
    const seq = ((profile.firstSeq ?? 0) + i) & 0xffff;
    const sendMs = i * 20;
    if (next() < profile.spikeP) spike = Math.max(spike, profile.spikeMs);
    spike = Math.max(0, spike - 20);
    bad = bad ? next() > 0.3 : next() < profile.lossEnterP;
    const row: TraceRow = { seq, rtpTs: (i * 160) >>> 0, sendMs, arrivalMs: null };
    if (bad && next() < profile.lossBadP) { lost.push(row); continue; }
    let delay = profile.baseMs + Math.abs(gaussian()) * profile.jitterMs + spike;
    if (next() < profile.reorderP) delay += 25 + next() * 40;
    row.arrivalMs = Number((sendMs + delay).toFixed(3));
    rows.push(row);
    if (next() < profile.duplicateP) rows.push({ ...row, arrivalMs: Number((row.arrivalMs + 1 + next() * 30).toFixed(3)) });
  }
  rows.sort((a, b) => a.arrivalMs! - b.arrivalMs!);
  return [...rows, ...lost];
}

/** Profiles unlike the corpus's, for the benchmark's generalisation check. */
export const SYNTHETIC_PROFILES: Record<string, TraceProfile> = {
  'calm-fibre': { packets: 3000, baseMs: 8, jitterMs: 3, spikeP: 0, spikeMs: 0, lossEnterP: 0.001, lossBadP: 0.2, reorderP: 0, duplicateP: 0, seed: 11 },
  'busy-4g': { packets: 3000, baseMs: 45, jitterMs: 20, spikeP: 0.01, spikeMs: 180, lossEnterP: 0.008, lossBadP: 0.4, reorderP: 0.02, duplicateP: 0.003, seed: 12 },
  'satellite': { packets: 3000, baseMs: 280, jitterMs: 8, spikeP: 0.002, spikeMs: 300, lossEnterP: 0.004, lossBadP: 0.3, reorderP: 0.005, duplicateP: 0.001, seed: 13 },
  'bursty-wifi': { packets: 3000, baseMs: 15, jitterMs: 25, spikeP: 0.02, spikeMs: 90, lossEnterP: 0.02, lossBadP: 0.5, reorderP: 0.03, duplicateP: 0.01, firstSeq: 64000, seed: 14 },
};
