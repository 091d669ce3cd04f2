// A caller's voice from the offline Flite engine the edge already ships: any of its voices, as PCM at the voice's own
// rate, or as a telephone line carries it (8 kHz mu-law). Synthesis is deterministic: the same text and voice give
// the same samples on every machine.
import { encodeMulaw } from '@invorto/dsp/g711.ts';
import { Resampler } from '@invorto/dsp/resampler.ts';
import { createFliteTts } from '../providers/offline/index.ts';

/** Flite's voices and the rate each speaks at. `kal` is an 8 kHz diphone voice; the others are 16 kHz. */
export const FLITE_VOICES: Readonly<Record<string, number>> = Object.freeze({ kal: 8000, kal16: 16000, slt: 16000, rms: 16000, awb: 16000 });

export interface Speech {
  sampleRateHz: number;
  pcm: Int16Array;
}

const spoken = new Map<string, Promise<Speech>>();

/** `text` in `voice`. The same text and voice are synthesized once per process. */
export function fliteSpeech(text: string, voice = 'kal'): Promise<Speech> {
  const sampleRateHz = FLITE_VOICES[voice];
  if (!sampleRateHz) return Promise.reject(new Error(`no Flite voice "${voice}" (have: ${Object.keys(FLITE_VOICES).join(', ')})`));
  const key = `${voice}\u0000${text}`;
  let speech = spoken.get(key);
  if (!speech) {
    speech = synthesize(text, voice, sampleRateHz);
    spoken.set(key, speech);
    speech.catch(() => spoken.delete(key));
  }
  return speech;
}

async function synthesize(text: string, voice: string, sampleRateHz: number): Promise<Speech> {
  const abort = new AbortController();
  const session = await createFliteTts().open({ callId: 'sim-caller', language: 'en-US', signal: abort.signal }, { format: { encoding: 'linear16', sampleRateHz }, voice });
  const chunks: Uint8Array[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      session.on('audio', (audio) => chunks.push(audio.slice()));
      session.on('flushed', () => resolve());
      session.on('error', reject);
      session.speak(text);
      session.flush();
    });
  } finally {
    await session.close();
    abort.abort();
  }
  const bytes = Buffer.concat(chunks);
  return { sampleRateHz, pcm: new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1).slice() };
}

/** PCM at 8 or 16 kHz as a telephone line carries it: 8 kHz mu-law, aligned sample for sample with the input. */
export function toTelephone(pcm: Int16Array, sampleRateHz: number): Uint8Array {
  if (sampleRateHz === 8000) return encodeMulaw(pcm);
  const resampler = new Resampler(sampleRateHz, 8000);
  try {
    // The filter delays its output: feed enough silence after the input to flush it, then drop the delay.
    const padded = new Int16Array(pcm.length + Math.ceil((resampler.delaySamples + 2) * resampler.down / resampler.up));
    padded.set(pcm);
    const out = resampler.process(padded);
    const samples = Math.floor((pcm.length * resampler.up) / resampler.down);
    return encodeMulaw(out.subarray(resampler.delaySamples, resampler.delaySamples + samples));
  } finally {
    resampler.dispose();
  }
}
