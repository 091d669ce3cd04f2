// What a simulated caller says, as 20 ms frames of 8 kHz mu-law: sentences spoken by the offline Flite engine
// (cached per text), silence, and a cough-like noise burst; plus where the voiced audio of a clip begins and ends.
// Shared by the end-to-end tests and `invorto bench turns`.
import { decodeMulaw, encodeMulaw } from '@invorto/dsp/g711.ts';
import { createFliteTts } from '../providers/offline/index.ts';
import { TELEPHONY_FORMAT } from '../providers/types.ts';
import { mulawFrames } from './caller-audio.ts';

const spoken = new Map<string, Promise<Uint8Array[]>>();

/** `text` spoken by Flite (its "kal" 8 kHz voice). The same text is synthesized once per process. */
export function speechFrames(text: string): Promise<Uint8Array[]> {
  let frames = spoken.get(text);
  if (!frames) {
    frames = synthesize(text);
    spoken.set(text, frames);
    frames.catch(() => spoken.delete(text));
  }
  return frames;
}

async function synthesize(text: string): Promise<Uint8Array[]> {
  const abort = new AbortController();
  const session = await createFliteTts().open({ callId: 'test-caller', language: 'en-US', signal: abort.signal }, { format: TELEPHONY_FORMAT });
  const chunks: Uint8Array[] = [];
  const done = new Promise<void>((resolve, reject) => {
    session.on('audio', (audio) => chunks.push(audio.slice()));
    session.on('flushed', () => resolve());
    session.on('error', reject);
  });
  session.speak(text);
  session.flush();
  await done;
  await session.close();
  abort.abort();
  return mulawFrames(Buffer.concat(chunks));
}

export function silenceFrames(durationMs: number): Uint8Array[] {
  return Array.from({ length: Math.round(durationMs / 20) }, () => new Uint8Array(160).fill(0xff));
}

/** RMS of mu-law audio in dBFS (enough to tell speech from silence). */
export function mulawRmsDbfs(audio: Uint8Array): number {
  const pcm = decodeMulaw(audio);
  let sum = 0;
  for (const sample of pcm) sum += sample * sample;
  const rms = Math.sqrt(sum / Math.max(1, pcm.length));
  return rms > 0 ? 20 * Math.log10(rms / 32768) : -120;
}

/**
 * A cough-like burst: band-limited noise (a one-pole low-pass over white noise) with a fast attack and a slower
 * decay, at speech level, as 20 ms mu-law frames. Deterministic (seeded).
 */
export function noiseBurstFrames(durationMs: number, peakDbfs = -12, seed = 7): Uint8Array[] {
  const samples = Math.round(durationMs * 8);
  const pcm = new Int16Array(Math.ceil(samples / 160) * 160);
  let state = seed;
  let low = 0;
  const peak = 32768 * 10 ** (peakDbfs / 20);
  for (let i = 0; i < samples; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    low = 0.6 * low + 0.4 * ((state / 0x7fffffff) * 2 - 1);
    const t = i / samples;
    const envelope = t < 0.1 ? t / 0.1 : Math.exp(-4 * (t - 0.1));
    pcm[i] = Math.round(low * envelope * peak * 2);
  }
  return mulawFrames(encodeMulaw(pcm));
}

/** Where speech starts in frames, in ms from the first frame: the first frame above `thresholdDbfs`. */
export function firstVoicedMs(frames: Uint8Array[], thresholdDbfs = -40): number {
  const index = frames.findIndex((frame) => mulawRmsDbfs(frame) > thresholdDbfs);
  return index < 0 ? -1 : index * 20;
}

/** Where speech ends in frames, in ms from the first frame: the end of the last frame above `thresholdDbfs`. */
export function lastVoicedEndMs(frames: Uint8Array[], thresholdDbfs = -40): number {
  for (let i = frames.length - 1; i >= 0; i--) if (mulawRmsDbfs(frames[i]) > thresholdDbfs) return (i + 1) * 20;
  return -1;
}

/** Mixes a background recording (looped) under a caller's frames, as a noisy line or room does. */
export function withNoiseBed(frames: Uint8Array[], bed: Uint8Array[]): Uint8Array[] {
  if (bed.length === 0) return frames;
  return frames.map((frame, index) => {
    const mine = decodeMulaw(frame);
    const noise = decodeMulaw(bed[index % bed.length]);
    for (let i = 0; i < mine.length; i++) mine[i] = Math.max(-32768, Math.min(32767, mine[i] + noise[i]));
    return encodeMulaw(mine);
  });
}
