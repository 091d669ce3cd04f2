// The dashboard's own WAV reader (the browser cannot be trusted with G.711 WAVs): every mu-law byte against the dsp
// package's reference decoder, PCM16 exactly, chunks in any order, the edge's real header, and damaged files refused
// with a message that says what is wrong.
import { describe, expect, it } from 'vitest';
import { decodeMulaw } from '@invorto/dsp/g711.ts';
import { wavHeader } from '../../edge/src/recording/wav.ts';
import { decodeWav, levelsDb, louder, MULAW_TO_LINEAR, pcm16Wav, peaks, WavError } from '../src/pages/calls/recording/wav.ts';

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const u32 = (n: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b; };
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};
const chunk = (id: string, body: Uint8Array) => concat(ascii(id), u32(body.length), body, body.length & 1 ? new Uint8Array(1) : new Uint8Array(0));
const riff = (...chunks: Uint8Array[]) => { const body = concat(ascii('WAVE'), ...chunks); return concat(ascii('RIFF'), u32(body.length), body); };
/** A PCM16 fmt chunk body. */
const fmtPcm16 = (channels: number, rate: number) => {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint16(0, 1, true); v.setUint16(2, channels, true); v.setUint32(4, rate, true); v.setUint32(8, rate * 2 * channels, true); v.setUint16(12, 2 * channels, true); v.setUint16(14, 16, true);
  return b;
};
const int16Bytes = (samples: number[]) => { const b = new Uint8Array(samples.length * 2); const v = new DataView(b.buffer); samples.forEach((s, i) => v.setInt16(2 * i, s, true)); return b; };

describe('decodeWav', () => {
  it('decodes every mu-law byte as the reference G.711 decoder does', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(Array.from(MULAW_TO_LINEAR)).toEqual(Array.from(decodeMulaw(all)));
    expect([MULAW_TO_LINEAR[0xff], MULAW_TO_LINEAR[0x7f], MULAW_TO_LINEAR[0x00], MULAW_TO_LINEAR[0x80]]).toEqual([0, 0, -32124, 32124]);
  });

  it('reads the stereo mu-law WAV the edge writes (format 7, fact chunk): caller left, agent right', () => {
    // Interleaved: every byte value on the left, the same reversed on the right.
    const data = new Uint8Array(512);
    for (let i = 0; i < 256; i++) { data[2 * i] = i; data[2 * i + 1] = 255 - i; }
    const file = concat(wavHeader({ encoding: 'mulaw', sampleRateHz: 8000, channels: 2 }, data.length), data);
    expect(file.length).toBe(58 + 512);
    const wav = decodeWav(file);
    expect({ encoding: wav.encoding, sampleRateHz: wav.sampleRateHz, channels: wav.channels.length, durationS: wav.durationS }).toEqual({ encoding: 'mulaw', sampleRateHz: 8000, channels: 2, durationS: 256 / 8000 });
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(Array.from(wav.channels[0]!)).toEqual(Array.from(decodeMulaw(all)));
    expect(Array.from(wav.channels[1]!)).toEqual(Array.from(decodeMulaw(all.reverse())));
  });

  it('reads PCM16 exactly', () => {
    const left = [0, 1, -1, 32767, -32768, 1234, -4321];
    const right = [5, -5, 100, -100, 0, 32767, -32768];
    const interleaved = left.flatMap((l, i) => [l, right[i]!]);
    const data = int16Bytes(interleaved);
    const wav = decodeWav(concat(wavHeader({ encoding: 'pcm16', sampleRateHz: 16000, channels: 2 }, data.length), data));
    expect(wav.encoding).toBe('pcm16');
    expect(wav.sampleRateHz).toBe(16000);
    expect([Array.from(wav.channels[0]!), Array.from(wav.channels[1]!)]).toEqual([left, right]);
  });

  it('takes chunks in any order, skips unknown ones (odd sizes padded) and ignores bytes past the RIFF size', () => {
    const data = int16Bytes([10, 20, 30, 40]);
    const odd = riff(chunk('LIST', ascii('odd')), chunk('data', data), chunk('junk', new Uint8Array(7)), chunk('fmt ', fmtPcm16(2, 8000)));
    const wav = decodeWav(concat(odd, new Uint8Array(1000).fill(0x55))); // a writer's leftover tail, as the edge leaves
    expect([Array.from(wav.channels[0]!), Array.from(wav.channels[1]!)]).toEqual([[10, 30], [20, 40]]);
  });

  it('ignores the edge\'s leftover bytes after the data chunk (the file longer than its header says)', () => {
    const data = new Uint8Array(160).fill(0xff);
    const file = concat(wavHeader({ encoding: 'mulaw', sampleRateHz: 8000, channels: 2 }, data.length), data, new Uint8Array(12_672).fill(0x12));
    expect(decodeWav(file).durationS).toBe(80 / 8000);
  });

  it('refuses a truncated file with a message that says so', () => {
    const data = new Uint8Array(16_000).fill(0xff);
    const file = concat(wavHeader({ encoding: 'mulaw', sampleRateHz: 8000, channels: 2 }, data.length), data);
    expect(() => decodeWav(file.subarray(0, 9_000))).toThrow(WavError);
    expect(() => decodeWav(file.subarray(0, 9_000))).toThrow('the recording is truncated: its "data" chunk declares 16000 bytes but the file holds 8942 (an incomplete download or upload)');
    expect(() => decodeWav(file.subarray(0, 30))).toThrow(/^the recording is truncated/);
    expect(() => decodeWav(file.subarray(0, 54))).toThrow(/^the recording is truncated/);
  });

  it('refuses what is not a G.711 or PCM16 WAV', () => {
    expect(() => decodeWav(ascii('ID3 this is an mp3 file'))).toThrow('not a WAV file: it does not start with a RIFF/WAVE header');
    const float = fmtPcm16(1, 8000);
    new DataView(float.buffer).setUint16(0, 3, true);
    new DataView(float.buffer).setUint16(14, 32, true);
    expect(() => decodeWav(riff(chunk('fmt ', float), chunk('data', new Uint8Array(8))))).toThrow('WAV format 3 with 32-bit samples is neither G.711 mu-law nor PCM16');
    expect(() => decodeWav(riff(chunk('fmt ', fmtPcm16(1, 8000))))).toThrow('the WAV file has no data chunk');
  });
});

describe('the playable copy, the waveform and the levels', () => {
  it('pcm16Wav writes a standard 44-byte header that decodes back to the same samples', () => {
    const channels = [Int16Array.from([1, -2, 3, 32767]), Int16Array.from([-32768, 0, 7, -7])];
    const file = pcm16Wav(channels, 8000);
    expect(file.length).toBe(44 + 16);
    expect(new TextDecoder().decode(file.subarray(36, 40))).toBe('data');
    const back = decodeWav(file);
    expect(back.channels.map((c) => Array.from(c))).toEqual(channels.map((c) => Array.from(c)));
  });

  it('peaks hold the largest magnitude per 10 ms; levels are RMS dBFS per 20 ms', () => {
    const rate = 8000;
    const tone = Int16Array.from({ length: rate }, (_, i) => (i < rate / 2 ? Math.round(16384 * Math.sin((2 * Math.PI * 1000 * i) / rate)) : 0));
    const outline = peaks(tone, rate);
    expect(outline.length).toBe(100);
    expect(outline[10]).toBeCloseTo(0.5, 2);
    expect(outline[60]).toBe(0);
    const db = levelsDb(tone, rate);
    expect(db.length).toBe(50);
    expect(db[5]).toBeCloseTo(20 * Math.log10(0.5 / Math.SQRT2), 1); // a sine's RMS is its peak over √2
    expect(db[40]).toBe(-100);
    // Each channel's outline fills its height, up to 4x louder: a quiet caller shows, hiss stays low.
    expect(Array.from(louder(Float32Array.from([0.125, 0.5, 0])))).toEqual([0.25, 1, 0]);
    expect(Array.from(louder(Float32Array.from([0.0625, 0.125])))).toEqual([0.25, 0.5]);
    expect(Array.from(louder(new Float32Array(3)))).toEqual([0, 0, 0]);
  });
});
