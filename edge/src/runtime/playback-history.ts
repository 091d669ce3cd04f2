// The last few seconds of a call's outbound audio, kept so that a paused reply can pick up where the caller stopped
// hearing it: a ring of sent frames with each frame's level, the reply's sentence boundaries and the marks sent
// among them. Fixed size per call (5 s of frames), allocated once.
import { ALAW_MAGNITUDE, MULAW_MAGNITUDE } from './mulaw-level.ts';

const QUIET_DB_BELOW_PEAK = 25;
const MIN_QUIET_FRAMES = 2;

export class PlaybackHistory {
  readonly #frameBytes: number;
  readonly #capacity: number;
  readonly #frames: Uint8Array;
  readonly #levels: Float32Array;
  readonly #levelOf: (frame: Uint8Array) => number;
  /** Frames ever recorded (absolute index of the next one); the ring holds the last `capacity` of them. */
  #count = 0;
  /** Absolute index where the sentence now playing began, or -1 when none has begun. */
  #sentenceStart = -1;
  #marks: { index: number; name: string }[] = [];

  constructor(options: { frameBytes: number; capacityFrames: number; encoding: 'mulaw' | 'alaw' | 'l16' }) {
    this.#frameBytes = options.frameBytes;
    this.#capacity = options.capacityFrames;
    this.#frames = new Uint8Array(options.frameBytes * options.capacityFrames);
    this.#levels = new Float32Array(options.capacityFrames);
    this.#levelOf = options.encoding === 'l16' ? l16Level : (frame) => tableLevel(frame, options.encoding === 'alaw' ? ALAW_MAGNITUDE : MULAW_MAGNITUDE);
  }

  get count(): number {
    return this.#count;
  }

  record(frame: Uint8Array): void {
    const slot = this.#count % this.#capacity;
    this.#frames.set(frame, slot * this.#frameBytes);
    this.#levels[slot] = this.#levelOf(frame);
    this.#count++;
  }

  /** A sentence ended after the frames recorded so far; the next frame begins the next one. */
  sentenceBoundary(): void {
    this.#sentenceStart = this.#count;
  }

  markSent(name: string): void {
    this.#marks.push({ index: this.#count, name });
    if (this.#marks.length > 8) this.#marks.shift();
  }

  /** Frames of the current sentence up to `index` (absolute), or null when its start is unknown. */
  framesIntoSentence(index: number): number | null {
    return this.#sentenceStart < 0 ? null : Math.max(0, index - this.#sentenceStart);
  }

  /**
   * Where to resume so the caller hears whole words again: the start of the current sentence when it began within
   * `maxRewindFrames` of `played`, else the last quiet gap (a pause between words) before `played`, else `played`.
   */
  resumePoint(played: number, maxRewindFrames: number): number {
    const oldest = Math.max(0, this.#count - this.#capacity, played - maxRewindFrames);
    if (this.#sentenceStart >= oldest && this.#sentenceStart <= played) return this.#sentenceStart;
    let peak = 0;
    for (let i = oldest; i < played; i++) peak = Math.max(peak, this.#levels[i % this.#capacity]);
    const quiet = peak * 10 ** (-QUIET_DB_BELOW_PEAK / 20);
    let run = 0;
    for (let i = played - 1; i >= oldest; i--) {
      if (this.#levels[i % this.#capacity] <= quiet) {
        run++;
        if (run >= MIN_QUIET_FRAMES) return i + run - 1; // resume at the end of the gap, just before the next word
      } else {
        run = 0;
      }
    }
    return played;
  }

  /** Copies frames [from, this.count) out, oldest first, and forgets them (they will be recorded again as replayed). */
  take(from: number): { audio: Uint8Array; marks: { offsetFrames: number; name: string }[] } {
    const start = Math.max(from, this.#count - this.#capacity);
    const audio = new Uint8Array((this.#count - start) * this.#frameBytes);
    for (let i = start; i < this.#count; i++) {
      const slot = i % this.#capacity;
      audio.set(this.#frames.subarray(slot * this.#frameBytes, (slot + 1) * this.#frameBytes), (i - start) * this.#frameBytes);
    }
    const marks = this.#marks.filter((m) => m.index >= start).map((m) => ({ offsetFrames: m.index - start, name: m.name }));
    this.#marks = this.#marks.filter((m) => m.index < start);
    this.#count = start;
    if (this.#sentenceStart > start) this.#sentenceStart = start;
    return { audio, marks };
  }

  reset(): void {
    this.#count = 0;
    this.#sentenceStart = -1;
    this.#marks = [];
  }
}

function tableLevel(frame: Uint8Array, magnitude: Uint16Array): number {
  let sum = 0;
  for (let i = 0; i < frame.length; i++) sum += magnitude[frame[i]];
  return sum / frame.length;
}

function l16Level(frame: Uint8Array): number {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  let sum = 0;
  for (let i = 0; i + 1 < frame.length; i += 2) sum += Math.abs(view.getInt16(i, true));
  return sum / (frame.length / 2);
}
