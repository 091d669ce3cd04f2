// RTP arrival traces (the rtp/ folder of a corpus, dsp/src/corpus.ts): `seq,rtp_ts,send_ms,arrival_ms`, rows in
// arrival order, lost packets last with an empty arrival_ms, duplicates as repeated seq. And the playout simulation
// every buffer is scored by.

export interface TraceRow {
  seq: number;
  rtpTs: number;
  sendMs: number;
  /** null: lost in the network. */
  arrivalMs: number | null;
}

export function parseTrace(csv: string, name = 'trace'): TraceRow[] {
  const lines = csv.split(/\r?\n/);
  if (!/^seq,rtp_ts,send_ms,arrival_ms$/.test(lines[0]?.trim() ?? '')) {
    throw new Error(`${name}: line 1 must be the header "seq,rtp_ts,send_ms,arrival_ms"`);
  }
  const rows: TraceRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const fields = line.split(',');
    const [seq, rtpTs, sendMs] = fields.slice(0, 3).map(Number);
    const arrival = fields[3] === undefined || fields[3] === '' ? null : Number(fields[3]);
    const valid = fields.length === 4 && Number.isInteger(seq) && seq >= 0 && seq <= 65535 && Number.isInteger(rtpTs) && rtpTs >= 0 &&
      Number.isFinite(sendMs) && (arrival === null || Number.isFinite(arrival));
    if (!valid) throw new Error(`${name}: line ${i + 1} is not "seq,rtp_ts,send_ms,arrival_ms" with numbers: "${line}"`);
    rows.push({ seq, rtpTs, sendMs, arrivalMs: arrival });
  }
  return rows;
}

export interface PlayoutSlot {
  /** When the slot started playing, in the trace's clock (ms). */
  play_ms: number;
  /** The packet played, or null when the slot was concealed (loss, underrun) or stretched. */
  seq: number | null;
}

/** What a buffer under test must do: take packets as they arrive, give one frame per 20 ms tick. */
export interface PlayoutBuffer {
  push(packet: { seq: number; timestamp: number; ssrc: number; arrivalMs: number; payload: Uint8Array }): void;
  /** null before playout has started. */
  pull(nowMs: number): { seq: number | null } | null;
  /** Packets waiting to be played. */
  readonly buffered: number;
  /** Packets that arrived after playout had passed them, and packets skipped on purpose to shrink the delay. */
  counts(): { lateLost: number; dropped: number };
}

export interface PlayoutStats {
  packets: number;
  networkLost: number;
  duplicates: number;
  slots: number;
  played: number;
  concealed: number;
  concealmentRate: number;
  /** Arrived after playout had moved past them (their slot was played or concealed): never played. */
  lateLost: number;
  lateLossRate: number;
  /** Arrived in time but skipped on purpose, to shrink the delay (accelerate). */
  dropped: number;
  /** Played packets: play time minus arrival time. */
  addedDelayMeanMs: number;
  addedDelayP95Ms: number;
  /** Runs of concealed slots lasting 150 ms or more. */
  interruptions150ms: number;
  /** Mouth-to-ear: play time minus send time, mean over played packets. */
  endToEndMeanMs: number;
}

const FRAME_MS = 20;

export function quantileOf(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * Scores a playout: which packets played when, against the trace's arrivals. Late and dropped packets are
 * counted by the buffer itself (only it knows whether it skipped a packet on purpose or passed it before it came).
 */
export function scorePlayout(rows: TraceRow[], playout: PlayoutSlot[], counts: { lateLost: number; dropped: number }): PlayoutStats {
  const unique = new Map<number, TraceRow>();
  let duplicates = 0;
  for (const row of rows) {
    if (unique.has(row.seq) && row.arrivalMs !== null) duplicates++;
    else if (!unique.has(row.seq) || unique.get(row.seq)!.arrivalMs === null) unique.set(row.seq, row);
  }
  const networkLost = [...unique.values()].filter((r) => r.arrivalMs === null).length;
  const playedAt = new Map<number, number>();
  for (const slot of playout) if (slot.seq !== null && !playedAt.has(slot.seq)) playedAt.set(slot.seq, slot.play_ms);
  const delays: number[] = [];
  const endToEnd: number[] = [];
  for (const [seq, at] of playedAt) {
    const row = unique.get(seq)!;
    delays.push(at - row.arrivalMs!);
    endToEnd.push(at - row.sendMs);
  }
  const { lateLost, dropped } = counts;
  let interruptions = 0;
  let run = 0;
  for (const slot of [...playout, { play_ms: 0, seq: 0 }]) {
    if (slot.seq === null) run++;
    else {
      if (run * FRAME_MS >= 150) interruptions++;
      run = 0;
    }
  }
  const concealed = playout.filter((s) => s.seq === null).length;
  return {
    packets: unique.size, networkLost, duplicates, slots: playout.length, played: playedAt.size, concealed,
    concealmentRate: concealed / Math.max(1, playout.length), lateLost, lateLossRate: lateLost / Math.max(1, unique.size), dropped,
    addedDelayMeanMs: delays.reduce((a, b) => a + b, 0) / Math.max(1, delays.length), addedDelayP95Ms: quantileOf(delays, 0.95),
    interruptions150ms: interruptions, endToEndMeanMs: endToEnd.reduce((a, b) => a + b, 0) / Math.max(1, endToEnd.length),
  };
}

/**
 * Feeds a trace to a buffer in arrival order and pulls one frame every 20 ms from the first arrival, until every
 * packet has arrived and playout has caught up with the last one.
 */
export function simulatePlayout(rows: TraceRow[], buffer: PlayoutBuffer, payload = new Uint8Array(160).fill(0xff)): PlayoutSlot[] {
  const arrivals = rows.filter((r) => r.arrivalMs !== null).sort((a, b) => a.arrivalMs! - b.arrivalMs!);
  if (arrivals.length === 0) return [];
  const playout: PlayoutSlot[] = [];
  let next = 0;
  const endMs = arrivals[arrivals.length - 1].arrivalMs! + 2000;
  for (let now = arrivals[0].arrivalMs!; now <= endMs; now += FRAME_MS) {
    while (next < arrivals.length && arrivals[next].arrivalMs! <= now) {
      const row = arrivals[next++];
      buffer.push({ seq: row.seq, timestamp: row.rtpTs, ssrc: 1, arrivalMs: row.arrivalMs!, payload });
    }
    const frame = buffer.pull(now);
    if (frame === null) continue;
    playout.push({ play_ms: Number(now.toFixed(3)), seq: frame.seq });
    if (next >= arrivals.length && buffer.buffered === 0) break;
  }
  return playout;
}
