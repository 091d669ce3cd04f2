// Audio helpers of the emulators, independent of Invorto's own dsp so that tests compare two implementations.
import alawmulaw from 'alawmulaw';

export type EmulatedEncoding = 'mulaw' | 'alaw' | 'linear16';

export function decodeToPcm(encoding: EmulatedEncoding, bytes: Uint8Array): Int16Array {
  if (encoding === 'mulaw') return alawmulaw.mulaw.decode(bytes);
  if (encoding === 'alaw') return alawmulaw.alaw.decode(bytes);
  const pcm = new Int16Array(bytes.length >> 1);
  new Uint8Array(pcm.buffer).set(bytes.subarray(0, pcm.length * 2));
  return pcm;
}

export function encodeFromPcm(encoding: EmulatedEncoding, pcm: Int16Array): Uint8Array {
  if (encoding === 'mulaw') return alawmulaw.mulaw.encode(pcm);
  if (encoding === 'alaw') return alawmulaw.alaw.encode(pcm);
  return new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength).slice();
}

export function rmsDbfs(pcm: Int16Array): number {
  let sum = 0;
  for (const s of pcm) sum += s * s;
  const rms = Math.sqrt(sum / Math.max(1, pcm.length));
  return rms > 0 ? 20 * Math.log10(rms / 32768) : -120;
}

/**
 * Text-dependent synthetic speech: each character becomes a 55 ms voiced segment (a harmonic tone whose pitch and
 * formant depend on the letter), spaces short pauses. Not intelligible, but non-silent, deterministic, and its
 * length follows the text like real TTS (about 14 characters a second).
 */
export function synthesizeSpeech(text: string, sampleRateHz: number): Int16Array {
  const segment = Math.round(0.055 * sampleRateHz);
  const out = new Int16Array(segment * Math.max(1, text.length));
  let offset = 0;
  for (const ch of text) {
    if (/\s/.test(ch)) { offset += Math.round(segment / 2); continue; }
    const code = ch.toLowerCase().charCodeAt(0);
    const pitchHz = 110 + (code % 7) * 12;
    const formantHz = 500 + (code % 11) * 180;
    for (let i = 0; i < segment && offset + i < out.length; i++) {
      const t = i / sampleRateHz;
      const envelope = Math.sin((Math.PI * i) / segment);
      const voiced = Math.sin(2 * Math.PI * pitchHz * t) * 0.6 + Math.sin(2 * Math.PI * formantHz * t) * 0.4;
      out[offset + i] = Math.round(9000 * envelope * voiced);
    }
    offset += segment;
  }
  return out.subarray(0, Math.min(out.length, offset));
}
