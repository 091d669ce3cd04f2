// Per-call energy meter over PCM16 frames: RMS and dBFS per frame, an active/inactive state with hysteresis, level
// events averaged over a window and throttled, and (when asked) prosody features computed in WASM.
import type { FrameFeatures } from './reference/energy.ts';
import { TypedEmitter } from './typed-emitter.ts';
import { getDsp, type Dsp } from './wasm.ts';

export type { FrameFeatures };

export interface EnergyMeterOptions {
  sampleRateHz: number;
  /** Becomes active above this level… */
  onDbfs?: number;
  /** …and inactive again only below this one (hysteresis stops chattering at the threshold). */
  offDbfs?: number;
  /** Level events report the mean over this window… */
  windowMs?: number;
  /** …and come at most this often. */
  minIntervalMs?: number;
  /** Compute pitch, spectral centroid and zero-crossing rate for every frame. */
  features?: boolean;
}

export type EnergyEvents = {
  active: { atMs: number; dbfs: number };
  inactive: { atMs: number; dbfs: number };
  level: { atMs: number; meanDbfs: number; peakDbfs: number };
  features: FrameFeatures & { atMs: number };
};

const MAX_FRAME_SAMPLES = 512;

export class EnergyMeter extends TypedEmitter<EnergyEvents> {
  readonly #dsp: Dsp;
  readonly #options: Required<EnergyMeterOptions>;
  #samples: number;
  #scratch: number;
  #out: number;
  #active = false;
  #elapsedMs = 0;
  #windowSum = 0;
  #windowFrames = 0;
  #windowPeak = -120;
  #lastLevelMs = -Infinity;

  constructor(options: EnergyMeterOptions) {
    super();
    this.#options = { onDbfs: -45, offDbfs: -52, windowMs: 200, minIntervalMs: 500, features: false, ...options };
    if (this.#options.offDbfs > this.#options.onDbfs) throw new Error(`energy meter: offDbfs (${this.#options.offDbfs}) must not be above onDbfs (${this.#options.onDbfs})`);
    this.#dsp = getDsp();
    this.#samples = this.#dsp.alloc(MAX_FRAME_SAMPLES * 2);
    this.#scratch = this.#dsp.alloc(this.#dsp.exports.featureScratchBytes());
    this.#out = this.#dsp.alloc(6 * 8);
  }

  /** One frame of PCM16 (at most 512 samples); returns its dBFS. */
  push(frame: Int16Array): number {
    if (!this.#samples) throw new Error('EnergyMeter used after dispose()');
    if (frame.length === 0) return -120;
    if (frame.length > MAX_FRAME_SAMPLES) throw new Error(`energy meter frames are at most ${MAX_FRAME_SAMPLES} samples (got ${frame.length}); push 20 ms frames`);
    const { exports } = this.#dsp;
    this.#dsp.i16(this.#samples, frame.length).set(frame);
    const frameMs = (frame.length / this.#options.sampleRateHz) * 1000;
    this.#elapsedMs += frameMs;
    const atMs = this.#elapsedMs;
    let dbfs: number;
    if (this.#options.features) {
      exports.frameFeatures(this.#samples, frame.length, this.#options.sampleRateHz, this.#scratch, this.#out);
      const [rms, db, zcr, centroid, pitchHz, voicing] = this.#dsp.f64(this.#out, 6);
      dbfs = db;
      this.emit('features', { atMs, rms, dbfs: db, zeroCrossingRate: zcr, spectralCentroidHz: centroid, pitchHz, voicing });
    } else {
      dbfs = exports.rmsToDbfs(exports.frameRms(this.#samples, frame.length));
    }
    if (!this.#active && dbfs >= this.#options.onDbfs) {
      this.#active = true;
      this.emit('active', { atMs, dbfs });
    } else if (this.#active && dbfs < this.#options.offDbfs) {
      this.#active = false;
      this.emit('inactive', { atMs, dbfs });
    }
    this.#windowSum += 10 ** (dbfs / 10);
    this.#windowFrames++;
    this.#windowPeak = Math.max(this.#windowPeak, dbfs);
    if (this.#windowFrames * frameMs >= this.#options.windowMs) {
      if (atMs - this.#lastLevelMs >= this.#options.minIntervalMs) {
        this.#lastLevelMs = atMs;
        this.emit('level', { atMs, meanDbfs: Math.max(-120, 10 * Math.log10(this.#windowSum / this.#windowFrames)), peakDbfs: this.#windowPeak });
      }
      this.#windowSum = 0;
      this.#windowFrames = 0;
      this.#windowPeak = -120;
    }
    return dbfs;
  }

  get active(): boolean {
    return this.#active;
  }

  dispose(): void {
    if (!this.#samples) return;
    this.#dsp.free(this.#samples);
    this.#dsp.free(this.#scratch);
    this.#dsp.free(this.#out);
    this.#samples = 0;
    this.removeAllListeners();
  }
}
