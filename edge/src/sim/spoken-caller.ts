// A caller who says what they are given: sentences in a Flite voice, after a pause and with pauses between them, as
// 20 ms frames of 8 kHz mu-law; and the line noise a real line would carry under them. What `invorto call --say` sends.
import { NOISE_KINDS, noiseSamples, toPcm16, type NoiseKind } from '@invorto/dsp/noise.ts';
import { encodeMulaw } from '@invorto/dsp/g711.ts';
import { mulawFrames } from './caller-audio.ts';
import { silenceFrames } from './caller-sounds.ts';
import { fliteSpeech, toTelephone } from './flite-voice.ts';

export interface SpokenCallerOptions {
  texts: string[];
  /** A Flite voice (FLITE_VOICES); default `kal`. */
  voice?: string;
  /** Silence before the first sentence. */
  pauseMs?: number;
  /** Silence between sentences. */
  gapMs?: number;
}

export interface SpokenCaller {
  frames: Uint8Array[];
  /** Where each sentence's audio lies in `frames`, in ms from the first frame. */
  utterances: { text: string; startMs: number; endMs: number }[];
}

export async function spokenCaller(options: SpokenCallerOptions): Promise<SpokenCaller> {
  if (options.texts.length === 0) throw new Error('a spoken caller needs at least one sentence');
  const frames: Uint8Array[] = [...silenceFrames(options.pauseMs ?? 0)];
  const utterances: SpokenCaller['utterances'] = [];
  for (const [index, text] of options.texts.entries()) {
    if (index > 0) frames.push(...silenceFrames(options.gapMs ?? 0));
    const { pcm, sampleRateHz } = await fliteSpeech(text, options.voice ?? 'kal');
    const spoken = mulawFrames(toTelephone(pcm, sampleRateHz));
    utterances.push({ text, startMs: frames.length * 20, endMs: (frames.length + spoken.length) * 20 });
    frames.push(...spoken);
  }
  return { frames, utterances };
}

export function isNoiseKind(kind: string): kind is NoiseKind {
  return (NOISE_KINDS as readonly string[]).includes(kind);
}

/**
 * A steady noise bed for the line, `seconds` long, to loop under everything the caller sends. Ten seconds hold a
 * whole number of mains cycles, so a looped hum has no seam.
 */
export function lineNoiseFrames(kind: NoiseKind, levelDbfs: number, seconds = 10, seed = 1): Uint8Array[] {
  return mulawFrames(encodeMulaw(toPcm16(noiseSamples(kind, seconds * 8000, 8000, levelDbfs, seed))));
}
