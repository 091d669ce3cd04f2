// A call recording's WAV, read in the browser: G.711 mu-law (format 7, which Chromium's decoders do not read
// reliably) or PCM16, any number of channels (the edge writes two: caller left, agent right). Chunks may come in any
// order and unknown ones are skipped; bytes after the data chunk are ignored (the RIFF header says where it ends).
// Samples come out as exact 16-bit integers, so the playable PCM16 copy is bit-exact G.711. This reader is stricter
// than dsp's readWav (which clamps a short data chunk, as streaming writers leave placeholder sizes): a recording cut
// in transit must say so to the person listening, not play short.
import { mulawToLinear } from '@invorto/dsp/reference/g711.ts';
import { writeWav } from '@invorto/dsp/wav.ts';

export type WavEncoding = 'mulaw' | 'pcm16';

export interface DecodedWav {
  encoding: WavEncoding;
  sampleRateHz: number;
  /** One array per channel: channel 0 is the caller, 1 the agent. */
  channels: Int16Array[];
  durationS: number;
}

export class WavError extends Error {
  override name = 'WavError';
}

/** G.711 mu-law to linear, from the project's plain-TypeScript G.711 (the WASM codec's parity reference). */
export const MULAW_TO_LINEAR: Int16Array = Int16Array.from({ length: 256 }, (_, byte) => mulawToLinear(byte));

interface Chunk { offset: number; size: number }

/** The file's samples per channel, or a WavError that says what is wrong with it. */
export function decodeWav(input: ArrayBuffer | Uint8Array): DecodedWav {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const id = (offset: number) => String.fromCharCode(bytes[offset]!, bytes[offset + 1]!, bytes[offset + 2]!, bytes[offset + 3]!);
  if (bytes.length < 12 || id(0) !== 'RIFF' || id(8) !== 'WAVE') throw new WavError('not a WAV file: it does not start with a RIFF/WAVE header');
  // The RIFF size bounds the chunks; a writer may leave bytes past it, which are not part of the file.
  const end = Math.min(bytes.length, 8 + view.getUint32(4, true));
  let fmt: Chunk | null = null;
  let data: Chunk | null = null;
  for (let offset = 12; offset < end && !(fmt && data);) {
    if (offset + 8 > end) throw new WavError(`the recording is truncated: it ends inside a chunk header at byte ${offset} of ${bytes.length}`);
    const name = id(offset);
    const size = view.getUint32(offset + 4, true);
    const chunk = { offset: offset + 8, size };
    if (chunk.offset + size > bytes.length) {
      throw new WavError(`the recording is truncated: its "${name.trim()}" chunk declares ${size} bytes but the file holds ${bytes.length - chunk.offset} (an incomplete download or upload)`);
    }
    if (name === 'fmt ') fmt = chunk;
    else if (name === 'data') data = chunk;
    offset = chunk.offset + size + (size & 1);
  }
  if (!fmt) throw new WavError(bytes.length < 44 ? `the recording is truncated: ${bytes.length} bytes, no format chunk` : 'the WAV file has no format (fmt) chunk');
  if (!data) throw new WavError('the WAV file has no data chunk');
  if (fmt.size < 16) throw new WavError(`the WAV format chunk is ${fmt.size} bytes; it needs at least 16`);
  const code = view.getUint16(fmt.offset, true);
  const channelCount = view.getUint16(fmt.offset + 2, true);
  const sampleRateHz = view.getUint32(fmt.offset + 4, true);
  const bits = view.getUint16(fmt.offset + 14, true);
  const encoding: WavEncoding | null = code === 7 && bits === 8 ? 'mulaw' : code === 1 && bits === 16 ? 'pcm16' : null;
  if (!encoding) throw new WavError(`WAV format ${code} with ${bits}-bit samples is neither G.711 mu-law nor PCM16`);
  if (channelCount < 1 || sampleRateHz < 1) throw new WavError(`the WAV format chunk says ${channelCount} channels at ${sampleRateHz} Hz`);
  const sampleBytes = encoding === 'mulaw' ? 1 : 2;
  const frames = Math.floor(data.size / (sampleBytes * channelCount));
  const channels = Array.from({ length: channelCount }, () => new Int16Array(frames));
  if (encoding === 'mulaw') {
    for (let i = 0, at = data.offset; i < frames; i++) for (let c = 0; c < channelCount; c++) channels[c]![i] = MULAW_TO_LINEAR[bytes[at++]!]!;
  } else {
    for (let i = 0, at = data.offset; i < frames; i++) for (let c = 0; c < channelCount; c++, at += 2) channels[c]![i] = view.getInt16(at, true);
  }
  return { encoding, sampleRateHz, channels, durationS: frames / sampleRateHz };
}

/** A PCM16 WAV of the channels (interleaved), which every browser's <audio> plays. */
export function pcm16Wav(channels: Int16Array[], sampleRateHz: number): Uint8Array<ArrayBuffer> {
  const frames = channels[0]?.length ?? 0;
  const data = new Uint8Array(frames * channels.length * 2);
  const view = new DataView(data.buffer);
  for (let i = 0, at = 0; i < frames; i++) for (const channel of channels) { view.setInt16(at, channel[i]!, true); at += 2; }
  // writeWav allocates its own ArrayBuffer-backed array (what a Blob takes).
  return writeWav({ encoding: 'pcm16', sampleRateHz, channels: channels.length, data }) as Uint8Array<ArrayBuffer>;
}

/** The waveform's outline: the largest magnitude in each of `perSecond` windows a second, 0..1 of full scale. */
export function peaks(channel: Int16Array, sampleRateHz: number, perSecond = 100): Float32Array {
  const window = Math.max(1, Math.round(sampleRateHz / perSecond));
  const out = new Float32Array(Math.max(1, Math.ceil(channel.length / window)));
  for (let w = 0; w < out.length; w++) {
    let max = 0;
    for (let i = w * window, stop = Math.min(channel.length, i + window); i < stop; i++) {
      const v = Math.abs(channel[i]!);
      if (v > max) max = v;
    }
    out[w] = max / 32768;
  }
  return out;
}

/**
 * Scales an outline so its loudest point is full height, by at most `maxGain`: a quiet caller still shows the shape of
 * what they said, and a line with only hiss stays flat.
 */
export function louder(outline: Float32Array, maxGain = 4): Float32Array {
  let max = 0;
  for (const v of outline) if (v > max) max = v;
  const gain = max > 0 ? Math.min(maxGain, 1 / max) : 1;
  return gain === 1 ? outline : outline.map((v) => v * gain);
}

/** Each `frameMs` frame's RMS level in dBFS (-100 for digital silence). */
export function levelsDb(channel: Int16Array, sampleRateHz: number, frameMs = 20): Float32Array {
  const frame = Math.max(1, Math.round((sampleRateHz * frameMs) / 1000));
  const out = new Float32Array(Math.floor(channel.length / frame));
  for (let f = 0; f < out.length; f++) {
    let sum = 0;
    for (let i = f * frame; i < (f + 1) * frame; i++) sum += channel[i]! * channel[i]!;
    const rms = Math.sqrt(sum / frame) / 32768;
    out[f] = rms > 1e-5 ? 20 * Math.log10(rms) : -100;
  }
  return out;
}
