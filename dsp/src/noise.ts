// Synthetic line and room noise with known levels, seeded so a fixture or a test call is reproducible: white, pink
// (-3 dB per octave, like most room and line noise) and mains hum (50 Hz and its harmonics). Samples are floats on
// the PCM16 scale (full scale 32768) so levels read directly in dBFS.
import { gaussianFrom, seededRandom } from './seeded-random.ts';

export const NOISE_KINDS = ['white', 'pink', 'hum'] as const;
export type NoiseKind = (typeof NOISE_KINDS)[number];

const FULL_SCALE = 32768;

/** `samples` of noise of one kind at the given RMS level (dBFS, full-scale sine = +3 dBFS). */
export function noiseSamples(kind: NoiseKind, samples: number, sampleRateHz: number, levelDbfs: number, seed = 1): Float64Array {
  const out = kind === 'white' ? white(samples, seed) : kind === 'pink' ? pink(samples, seed) : hum(samples, sampleRateHz, seed);
  return scaleToDbfs(out, levelDbfs);
}

/** RMS in dBFS of samples on the PCM16 scale; -Infinity for silence. */
export function rmsDbfs(samples: ArrayLike<number>, from = 0, to = samples.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += samples[i] * samples[i];
  const rms = Math.sqrt(sum / Math.max(1, to - from));
  return 20 * Math.log10(rms / FULL_SCALE);
}

/** Scales samples in place so their RMS is `levelDbfs`. */
export function scaleToDbfs(samples: Float64Array, levelDbfs: number): Float64Array {
  const gain = 10 ** ((levelDbfs - rmsDbfs(samples)) / 20);
  for (let i = 0; i < samples.length; i++) samples[i] *= gain;
  return samples;
}

/** Rounds to PCM16, clipping at full scale. */
export function toPcm16(samples: ArrayLike<number>): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i])));
  return out;
}

function white(samples: number, seed: number): Float64Array {
  const gaussian = gaussianFrom(seededRandom(seed));
  return Float64Array.from({ length: samples }, gaussian);
}

// Paul Kellet's economy filter: white noise through three one-pole sections gives -3 dB/octave within 0.5 dB.
function pink(samples: number, seed: number): Float64Array {
  const gaussian = gaussianFrom(seededRandom(seed));
  const out = new Float64Array(samples);
  let b0 = 0, b1 = 0, b2 = 0;
  for (let i = 0; i < samples; i++) {
    const w = gaussian();
    b0 = 0.99765 * b0 + w * 0.099046;
    b1 = 0.963 * b1 + w * 0.2965164;
    b2 = 0.57 * b2 + w * 1.0526913;
    out[i] = b0 + b1 + b2 + w * 0.1848;
  }
  return out;
}

// Mains hum as a rectifier and transformer make it: 50 Hz with decaying odd and even harmonics, seeded phases.
function hum(samples: number, sampleRateHz: number, seed: number): Float64Array {
  const random = seededRandom(seed);
  const partials = [[1, 1], [2, 0.5], [3, 0.6], [4, 0.2], [5, 0.35], [7, 0.2], [9, 0.1]].map(([k, a]) => ({ hz: 50 * k, amplitude: a, phase: 2 * Math.PI * random() }));
  const out = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const t = i / sampleRateHz;
    let v = 0;
    for (const p of partials) v += p.amplitude * Math.sin(2 * Math.PI * p.hz * t + p.phase);
    out[i] = v;
  }
  return out;
}
