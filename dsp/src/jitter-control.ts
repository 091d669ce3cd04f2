// The jitter buffer's control: per 20 ms pull it decides what plays: the next packet, a concealment (lost or not yet here), a stretch (grow the delay) or an
// accelerate (skip one frame to shrink it). The target delay is the 0.95 quantile of the packets' relative delay,
// from a histogram with a forget factor (NetEQ's approach); delay is measured from RTP timestamps and arrival
// times only, as a real receiver must. This is per-packet bookkeeping, not per-sample work, so it is TypeScript;
// the audio it drives (decode, concealment, merging) runs in WASM (jitter-buffer.ts, dsp/assembly/plc.ts).

export const JITTER = {
  FRAME_MS: 20,
  BIN_MS: 5,
  BINS: 100, // up to 500 ms
  FORGET: 0.997, // per packet: about 6.7 s of memory at 50 packets a second
  QUANTILE: 0.95,
  MARGIN_MS: 5,
  HYSTERESIS_MS: 10,
  ADJUST_GAP_FRAMES: 4, // at most one stretch or accelerate per 80 ms
  CAPACITY: 64, // packets held (1.28 s)
  MAX_STRETCH_MS: 120,
  RESYNC_SEQ_JUMP: 1000,
} as const;

export type PullKind = 'waiting' | 'normal' | 'accelerated' | 'concealed' | 'stretched';

const wrap16 = (d: number) => ((((d & 0xffff) + 0x8000) & 0xffff) - 0x8000);
const wrap32 = (d: number) => d | 0;

export interface JitterOptions {
  clockHz?: number;
  minDelayMs?: number;
  maxDelayMs?: number;
  initialDelayMs?: number;
}

export class JitterControl {
  readonly #clockHz: number;
  readonly #minDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #initialDelayMs: number;
  readonly #histogram = new Float64Array(JITTER.BINS);
  #histogramMass = 0;
  readonly #slots = new Map<number, { timestampMs: number; payload: Uint8Array | null }>();
  #ssrc: number | null = null;
  #baseSeq = 0; // extended sequence numbers count from the first packet (and from each resync)
  #baseTs = 0;
  #lastSeq = 0; // extended, newest seen
  #minTransitMs = Infinity;
  #started = false;
  #firstArrivalMs = 0;
  #nextSeq = 0; // extended
  #sinceAdjust = 0;
  #stretchedMs = 0;
  readonly stats = { pushed: 0, duplicates: 0, late: 0, resyncs: 0, played: 0, concealed: 0, stretched: 0, accelerated: 0 };

  constructor(options: JitterOptions = {}) {
    this.#clockHz = options.clockHz ?? 8000;
    this.#minDelayMs = options.minDelayMs ?? 0;
    this.#maxDelayMs = Math.min(options.maxDelayMs ?? 400, JITTER.BINS * JITTER.BIN_MS);
    this.#initialDelayMs = options.initialDelayMs ?? 40;
  }

  get buffered(): number {
    return this.#slots.size;
  }

  /** The delay playout aims for: the 0.95 quantile of relative delay, plus a margin. */
  get targetDelayMs(): number {
    if (this.#histogramMass < 0.05) return this.#initialDelayMs;
    let cumulative = 0;
    for (let bin = 0; bin < JITTER.BINS; bin++) {
      cumulative += this.#histogram[bin];
      if (cumulative >= JITTER.QUANTILE * this.#histogramMass) {
        return Math.min(this.#maxDelayMs, Math.max(this.#minDelayMs, (bin + 1) * JITTER.BIN_MS + JITTER.MARGIN_MS));
      }
    }
    return this.#maxDelayMs;
  }

  push(seq: number, timestamp: number, ssrc: number, arrivalMs: number, payload: Uint8Array | null = null): 'ok' | 'duplicate' | 'late' | 'resync' {
    let result: 'ok' | 'resync' = 'ok';
    if (this.#ssrc === null || ssrc !== this.#ssrc || Math.abs(wrap16(seq - (this.#lastSeq + this.#baseSeq))) > JITTER.RESYNC_SEQ_JUMP) {
      if (this.#ssrc !== null) { this.stats.resyncs++; result = 'resync'; }
      this.#reset(seq, timestamp, ssrc);
    }
    const extended = this.#lastSeq + wrap16(seq - ((this.#lastSeq + this.#baseSeq) & 0xffff));
    const timestampMs = (wrap32(timestamp - this.#baseTs) / this.#clockHz) * 1000;
    if (this.#started && extended < this.#nextSeq) { this.stats.late++; return 'late'; }
    if (this.#slots.has(extended)) { this.stats.duplicates++; return 'duplicate'; }
    if (extended > this.#lastSeq) this.#lastSeq = extended;
    this.stats.pushed++;
    // Too far ahead to hold: make room by dropping the oldest.
    if (this.#slots.size >= JITTER.CAPACITY) this.#slots.delete(Math.min(...this.#slots.keys()));
    this.#slots.set(extended, { timestampMs, payload });
    const transit = arrivalMs - timestampMs;
    if (transit < this.#minTransitMs) this.#minTransitMs = transit;
    if (!this.#started && this.#slots.size === 1) this.#firstArrivalMs = arrivalMs;
    const relative = transit - this.#minTransitMs;
    for (let bin = 0; bin < JITTER.BINS; bin++) this.#histogram[bin] *= JITTER.FORGET;
    this.#histogramMass = this.#histogramMass * JITTER.FORGET + (1 - JITTER.FORGET);
    this.#histogram[Math.min(JITTER.BINS - 1, Math.floor(relative / JITTER.BIN_MS))] += 1 - JITTER.FORGET;
    return result;
  }

  /** One 20 ms playout decision. The packet played is reported by its 16-bit sequence number. */
  pull(nowMs: number): { kind: PullKind; seq: number | null; payload?: Uint8Array | null; delayMs?: number } {
    const target = this.targetDelayMs;
    if (!this.#started) {
      if (this.#slots.size === 0 || nowMs < this.#firstArrivalMs + target) return { kind: 'waiting', seq: null };
      this.#started = true;
      this.#nextSeq = Math.min(...this.#slots.keys());
    }
    this.#sinceAdjust++;
    const slot = this.#slots.get(this.#nextSeq);
    const delay = slot ? nowMs - (this.#minTransitMs + slot.timestampMs) : 0;
    if (slot) {
      this.#stretchedMs = 0;
      const canAdjust = this.#sinceAdjust >= JITTER.ADJUST_GAP_FRAMES;
      if (canAdjust && delay > target + JITTER.FRAME_MS + JITTER.HYSTERESIS_MS && this.#slots.has(this.#nextSeq + 1)) {
        this.#slots.delete(this.#nextSeq);
        this.#nextSeq++;
        this.#sinceAdjust = 0;
        this.stats.accelerated++;
        return { ...this.#play(), kind: 'accelerated', delayMs: delay };
      }
      if (canAdjust && delay < target - JITTER.HYSTERESIS_MS) {
        this.#sinceAdjust = 0;
        this.stats.stretched++;
        return { kind: 'stretched', seq: null };
      }
      return { ...this.#play(), delayMs: delay };
    }
    // The next packet is not here. If later ones are, it is lost (or very late): conceal and move on. If none are,
    // the buffer ran dry: conceal without moving on, which grows the delay, unless that has gone on too long.
    const laterWaiting = this.#slots.size > 0;
    this.stats.concealed++;
    if (laterWaiting || this.#stretchedMs >= JITTER.MAX_STRETCH_MS) {
      this.#nextSeq++;
      this.#stretchedMs = 0;
    } else {
      this.#stretchedMs += JITTER.FRAME_MS;
    }
    return { kind: 'concealed', seq: null };
  }

  #play(): { kind: PullKind; seq: number; payload: Uint8Array | null } {
    const seq = (this.#nextSeq + this.#baseSeq) & 0xffff;
    const payload = this.#slots.get(this.#nextSeq)?.payload ?? null;
    this.#slots.delete(this.#nextSeq);
    this.#nextSeq++;
    this.stats.played++;
    return { kind: 'normal', seq, payload };
  }

  #reset(seq: number, timestamp: number, ssrc: number): void {
    this.#ssrc = ssrc;
    this.#baseSeq = seq;
    this.#baseTs = timestamp;
    this.#lastSeq = 0;
    this.#slots.clear();
    this.#minTransitMs = Infinity;
    this.#histogram.fill(0);
    this.#histogramMass = 0;
    this.#started = false;
    this.#stretchedMs = 0;
  }
}
