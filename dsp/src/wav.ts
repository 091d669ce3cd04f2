// WAV files: PCM16 and G.711 (format 6 A-law, 7 mu-law), mono or multi-channel, as telephony test audio comes.

export type WavEncoding = 'pcm16' | 'mulaw' | 'alaw';

export interface WavAudio {
  encoding: WavEncoding;
  sampleRateHz: number;
  channels: number;
  /** The raw `data` chunk: little-endian PCM16 or one G.711 byte per sample. */
  data: Uint8Array;
}

const FORMAT_TAGS: Record<number, WavEncoding | undefined> = { 1: 'pcm16', 6: 'alaw', 7: 'mulaw' };
const TAG_OF: Record<WavEncoding, number> = { pcm16: 1, alaw: 6, mulaw: 7 };

export function readWav(file: Uint8Array, name = 'WAV file'): WavAudio {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const ascii = (offset: number) => String.fromCharCode(file[offset], file[offset + 1], file[offset + 2], file[offset + 3]);
  if (file.length < 12 || ascii(0) !== 'RIFF' || ascii(8) !== 'WAVE') throw new Error(`${name} is not a RIFF/WAVE file`);
  let format: { encoding: WavEncoding; sampleRateHz: number; channels: number } | null = null;
  for (let offset = 12; offset + 8 <= file.length;) {
    const id = ascii(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      let tag = view.getUint16(body, true);
      if (tag === 0xfffe && size >= 26) tag = view.getUint16(body + 24, true); // WAVE_FORMAT_EXTENSIBLE: sub-format GUID
      const bits = view.getUint16(body + 14, true);
      const encoding = FORMAT_TAGS[tag];
      if (!encoding || (encoding === 'pcm16' && bits !== 16) || (encoding !== 'pcm16' && bits !== 8)) {
        throw new Error(`${name}: unsupported WAV format (tag ${tag}, ${bits} bits); use 16-bit PCM or 8-bit G.711 mu-law/A-law`);
      }
      format = { encoding, sampleRateHz: view.getUint32(body + 4, true), channels: view.getUint16(body + 2, true) };
    } else if (id === 'data') {
      if (!format) throw new Error(`${name}: "data" chunk before "fmt " chunk`);
      const end = Math.min(file.length, body + size);
      return { ...format, data: file.subarray(body, end) };
    }
    offset = body + size + (size & 1);
  }
  throw new Error(`${name}: no "data" chunk`);
}

export function writeWav(audio: Omit<WavAudio, 'channels'> & { channels?: number }): Uint8Array {
  const channels = audio.channels ?? 1;
  const bytesPerSample = audio.encoding === 'pcm16' ? 2 : 1;
  const out = new Uint8Array(44 + audio.data.length + (audio.data.length & 1));
  const view = new DataView(out.buffer);
  const writeAscii = (offset: number, text: string) => { for (let i = 0; i < 4; i++) out[offset + i] = text.charCodeAt(i); };
  writeAscii(0, 'RIFF');
  view.setUint32(4, out.length - 8, true);
  writeAscii(8, 'WAVE');
  writeAscii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, TAG_OF[audio.encoding], true);
  view.setUint16(22, channels, true);
  view.setUint32(24, audio.sampleRateHz, true);
  view.setUint32(28, audio.sampleRateHz * channels * bytesPerSample, true);
  view.setUint16(32, channels * bytesPerSample, true);
  view.setUint16(34, bytesPerSample * 8, true);
  writeAscii(36, 'data');
  view.setUint32(40, audio.data.length, true);
  out.set(audio.data, 44);
  return out;
}

/** PCM16 samples of a pcm16 WAV's data (copied, so alignment does not matter). */
export function pcm16Samples(data: Uint8Array): Int16Array {
  const samples = new Int16Array(data.length >> 1);
  new Uint8Array(samples.buffer).set(data.subarray(0, samples.length * 2));
  return samples;
}
