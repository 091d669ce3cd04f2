// The level of one side of a call over a window: the mean power of what was heard, as dBFS. Adding a sample costs a
// multiply-add; the logarithm is taken once per window, when it is read.
import { ALAW_MAGNITUDE, MULAW_MAGNITUDE } from '../runtime/mulaw-level.ts';
import { LEVEL_FLOOR_DB } from './live-messages.ts';

const FULL_SCALE = 32768;

export class LevelMeter {
  #power = 0;
  #count = 0;

  /** A frame's level already in dBFS (the dsp chain's analysis of inbound audio). */
  addDb(rmsDb: number): void {
    if (!Number.isFinite(rmsDb)) return;
    this.#power += 10 ** (rmsDb / 10);
    this.#count += 1;
  }

  /** A frame of encoded audio (the agent's outbound frames): its sample magnitudes, by table for G.711. */
  addFrame(frame: Uint8Array, encoding: string): void {
    let sum = 0;
    if (encoding === 'l16') {
      const samples = Math.floor(frame.length / 2);
      const view = new DataView(frame.buffer, frame.byteOffset, samples * 2);
      for (let i = 0; i < samples; i++) { const s = view.getInt16(i * 2, true); sum += s * s; }
      this.#addPower(sum, samples);
      return;
    }
    const table = encoding === 'alaw' ? ALAW_MAGNITUDE : MULAW_MAGNITUDE;
    for (let i = 0; i < frame.length; i++) { const m = table[frame[i]]; sum += m * m; }
    this.#addPower(sum, frame.length);
  }

  /** The window's level, and a new window begins. */
  take(): number {
    const power = this.#count ? this.#power / this.#count : 0;
    this.#power = 0;
    this.#count = 0;
    const db = power > 0 ? 10 * Math.log10(power) : LEVEL_FLOOR_DB;
    return Math.round(Math.max(LEVEL_FLOOR_DB, Math.min(0, db)) * 10) / 10;
  }

  #addPower(sumOfSquares: number, samples: number): void {
    if (samples === 0) return;
    this.#power += sumOfSquares / samples / (FULL_SCALE * FULL_SCALE);
    this.#count += 1;
  }
}
