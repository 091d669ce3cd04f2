// The WAV header of a call recording: two channels (caller left, agent right), G.711 mu-law (format 7, which
// needs the 18-byte fmt chunk and a fact chunk) or PCM16 (format 1). The header is written last, once the length
// is known, over the space reserved for it at the start of the file.

export type RecordingEncoding = 'mulaw' | 'pcm16';

export interface WavFormat {
  encoding: RecordingEncoding;
  sampleRateHz: number;
  channels: number;
}

/** Bytes one sample of one channel takes. */
export const bytesPerSample = (encoding: RecordingEncoding): number => (encoding === 'mulaw' ? 1 : 2);

/** Header size for an encoding: mu-law carries cbSize and a fact chunk, PCM does not. */
export const wavHeaderBytes = (encoding: RecordingEncoding): number => (encoding === 'mulaw' ? 58 : 44);

/** The header for `dataBytes` bytes of interleaved samples. */
export function wavHeader(format: WavFormat, dataBytes: number): Uint8Array {
  const headerBytes = wavHeaderBytes(format.encoding);
  const header = new Uint8Array(headerBytes);
  const view = new DataView(header.buffer);
  const ascii = (offset: number, text: string) => { for (let i = 0; i < text.length; i++) header[offset + i] = text.charCodeAt(i); };
  const sampleBytes = bytesPerSample(format.encoding);
  const blockAlign = sampleBytes * format.channels;
  const mulaw = format.encoding === 'mulaw';
  ascii(0, 'RIFF');
  view.setUint32(4, headerBytes - 8 + dataBytes + (dataBytes & 1), true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, mulaw ? 18 : 16, true);
  view.setUint16(20, mulaw ? 7 : 1, true);
  view.setUint16(22, format.channels, true);
  view.setUint32(24, format.sampleRateHz, true);
  view.setUint32(28, format.sampleRateHz * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, sampleBytes * 8, true);
  let offset = 36;
  if (mulaw) {
    view.setUint16(36, 0, true); // cbSize
    ascii(38, 'fact');
    view.setUint32(42, 4, true);
    view.setUint32(46, Math.floor(dataBytes / blockAlign), true); // samples per channel
    offset = 50;
  }
  ascii(offset, 'data');
  view.setUint32(offset + 4, dataBytes, true);
  return header;
}

export interface ParsedWav extends WavFormat {
  /** Where the samples start in the file, and how many bytes they take. */
  dataOffset: number;
  dataBytes: number;
}

/** Reads a WAV header (the chunks this file writes, and any others skipped): for tests and tools reading recordings back. */
export function parseWav(bytes: Uint8Array): ParsedWav {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  if (bytes.length < 12 || text(0) !== 'RIFF' || text(8) !== 'WAVE') throw new Error('not a WAV file (no RIFF/WAVE header)');
  let offset = 12;
  let format: WavFormat | null = null;
  while (offset + 8 <= bytes.length) {
    const id = text(offset);
    const size = view.getUint32(offset + 4, true);
    if (id === 'fmt ') {
      const code = view.getUint16(offset + 8, true);
      const bits = view.getUint16(offset + 22, true);
      if (!((code === 7 && bits === 8) || (code === 1 && bits === 16))) throw new Error(`WAV format ${code} with ${bits} bits is neither mu-law nor PCM16`);
      format = { encoding: code === 7 ? 'mulaw' : 'pcm16', channels: view.getUint16(offset + 10, true), sampleRateHz: view.getUint32(offset + 12, true) };
    } else if (id === 'data') {
      if (!format) throw new Error('WAV data chunk before its fmt chunk');
      return { ...format, dataOffset: offset + 8, dataBytes: Math.min(size, bytes.length - offset - 8) };
    }
    offset += 8 + size + (size & 1);
  }
  throw new Error('WAV file without a data chunk');
}
