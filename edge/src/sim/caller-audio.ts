// Turns a WAV file into what a telephone caller sends: 20 ms frames of 8 kHz mu-law.
import { readFileSync } from 'node:fs';
import { InboundChain } from '@invorto/dsp/inbound-chain.ts';
import { decodeAlaw, encodeMulaw } from '@invorto/dsp/g711.ts';
import { Resampler } from '@invorto/dsp/resampler.ts';
import { pcm16Samples, readWav } from '@invorto/dsp/wav.ts';

const FRAME_BYTES = 160;

export function wavToMulawFrames(file: string): Uint8Array[] {
  const wav = readWav(readFileSync(file), file);
  if (wav.channels !== 1) throw new Error(`${file}: ${wav.channels} channels; a caller WAV must be mono`);
  let mulaw: Uint8Array;
  if (wav.encoding === 'mulaw' && wav.sampleRateHz === 8000) {
    mulaw = wav.data;
  } else {
    let pcm = wav.encoding === 'pcm16' ? pcm16Samples(wav.data) : wav.encoding === 'alaw' ? decodeAlaw(wav.data) : null;
    if (!pcm) throw new Error(`${file}: mu-law WAVs must be 8000 Hz (got ${wav.sampleRateHz} Hz)`);
    if (wav.sampleRateHz !== 8000) {
      const resampler = new Resampler(wav.sampleRateHz, 8000);
      pcm = resampler.process(pcm);
      resampler.dispose();
    }
    mulaw = encodeMulaw(pcm);
  }
  return mulawFrames(mulaw);
}

/** Cuts mu-law audio into 20 ms frames, padding the last one with silence. */
export function mulawFrames(mulaw: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let offset = 0; offset < mulaw.length; offset += FRAME_BYTES) {
    const frame = new Uint8Array(FRAME_BYTES).fill(0xff);
    frame.set(mulaw.subarray(offset, Math.min(mulaw.length, offset + FRAME_BYTES)));
    frames.push(frame);
  }
  return frames;
}

/** When the caller stops speaking, in ms from the first frame: the end of the last speech frame of each utterance. */
export function callerSpeechEnds(frames: Uint8Array[]): number[] {
  const chain = new InboundChain({ codec: 'mulaw', sampleRateHz: 8000 });
  const ends: number[] = [];
  let lastSpeechMs = 0;
  try {
    frames.forEach((frame, index) => {
      for (const analysis of chain.process(frame)) {
        if (analysis.speechProbability > 0.5) lastSpeechMs = (index + 1) * 20;
        if (analysis.speechEnded) ends.push(lastSpeechMs);
      }
    });
  } finally {
    chain.dispose();
  }
  return ends;
}
