// Each carrier protocol's parser: what it accepts from its carrier, and what it refuses with a reason.
import { describe, expect, it } from 'vitest';
import { v1 } from '@invorto/proto';
import { exotelProtocol, EXOTEL_CHUNK_BYTES } from '../src/transports/exotel.ts';
import { nativeProtocol } from '../src/transports/native.ts';
import { plivoProtocol } from '../src/transports/plivo.ts';
import { telnyxProtocol } from '../src/transports/telnyx.ts';
import { MediaReorderer } from '../src/transports/reorder.ts';
import { ProtocolError, type MediaStreamProtocol } from '../src/transports/types.ts';

const text = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).buffer as ArrayBuffer;
const refusal = (protocol: MediaStreamProtocol, raw: ArrayBuffer, isBinary = false, started = false) => {
  try { protocol.parse(raw, isBinary, started); } catch (error) { expect(error).toBeInstanceOf(ProtocolError); return (error as Error).message; }
  throw new Error('expected a refusal');
};

describe('Plivo', () => {
  const start = (mediaFormat: object) => text({ event: 'start', sequenceNumber: 1, start: { callId: 'c1', streamId: 's1', accountId: 'MA1', tracks: ['inbound'], mediaFormat }, extra_headers: 'agentId=demo;from=+9198' });
  it('takes mu-law 8 kHz and L16 8/16 kHz, with extra headers as parameters', () => {
    expect(plivoProtocol.parse(start({ encoding: 'audio/x-l16', sampleRate: 16000 }), false, false)).toEqual({ type: 'start', start: { carrierCallId: 'c1', streamId: 's1', parameters: { agentId: 'demo', from: '+9198' }, format: { encoding: 'l16', sampleRateHz: 16000 } } });
    expect(plivoProtocol.parse(text({ event: 'playedStream', streamId: 's1', name: 'reply-3' }), false, true)).toEqual({ type: 'mark', name: 'reply-3' });
    expect(plivoProtocol.parse(text({ event: 'clearedAudio', streamId: 's1' }), false, true)).toEqual({ type: 'ignore' });
  });
  it('answers with playAudio, checkpoint and clearAudio', () => {
    const out = plivoProtocol.outbound({ carrierCallId: 'c1', streamId: 's1', parameters: {}, format: { encoding: 'l16', sampleRateHz: 8000 } });
    expect(out.chunkBytes).toBe(320);
    expect(JSON.parse(out.audio(new Uint8Array(320)) as string)).toEqual({ event: 'playAudio', media: { contentType: 'audio/x-l16', sampleRate: 8000, payload: Buffer.alloc(320).toString('base64') } });
    expect(JSON.parse(out.mark('reply-1') as string)).toEqual({ event: 'checkpoint', streamId: 's1', name: 'reply-1' });
    expect(JSON.parse(out.clear() as string)).toEqual({ event: 'clearAudio', streamId: 's1' });
  });
  it('refuses other formats', () => {
    expect(refusal(plivoProtocol, start({ encoding: 'audio/x-l16', sampleRate: 24000 }))).toMatch(/audio\/x-mulaw 8000 Hz or audio\/x-l16 8000\/16000 Hz/);
  });
});

describe('Exotel', () => {
  const start = (media_format: object) => text({ event: 'start', sequence_number: '1', stream_sid: 'MZ1', start: { stream_sid: 'MZ1', call_sid: 'CA1', account_sid: 'AC1', from: '+911', to: '+912', custom_parameters: { agentId: 'demo' }, media_format } });
  it('takes 16-bit PCM at 8 or 16 kHz and sends 3.2 KB chunks (a multiple of 320 bytes)', () => {
    const parsed = exotelProtocol.parse(start({ encoding: 'audio/x-raw', sample_rate: '16000', bit_rate: '16' }), false, false);
    expect(parsed).toMatchObject({ type: 'start', start: { format: { encoding: 'l16', sampleRateHz: 16000 }, parameters: { agentId: 'demo', from: '+911', to: '+912' } } });
    expect(EXOTEL_CHUNK_BYTES % 320).toBe(0);
    expect(EXOTEL_CHUNK_BYTES).toBeGreaterThanOrEqual(3200);
  });
  it('refuses 24 kHz with the fix', () => {
    expect(refusal(exotelProtocol, start({ encoding: 'audio/x-raw', sample_rate: '24000', bit_rate: '16' }))).toMatch(/sample-rate=8000 or 16000/);
  });
});

describe('Telnyx', () => {
  it('takes PCMU/PCMA/L16, swaps L16 to little-endian and back, and numbers media by chunk', () => {
    const parsed = telnyxProtocol.parse(text({ event: 'start', sequence_number: '1', stream_id: 'st1', start: { call_control_id: 'v2:1', media_format: { encoding: 'L16', sample_rate: 16000, channels: 1 } } }), false, false);
    if (parsed.type !== 'start') throw new Error('expected start');
    expect(parsed.start.format).toEqual({ encoding: 'l16', sampleRateHz: 16000 });
    const out = telnyxProtocol.outbound(parsed.start);
    expect(Array.from(out.inboundAudio!(Uint8Array.of(0x12, 0x34)))).toEqual([0x34, 0x12]);
    expect(Buffer.from(JSON.parse(out.audio(Uint8Array.of(1, 2, 3, 4)) as string).media.payload, 'base64')).toEqual(Buffer.from([2, 1, 4, 3]));
    expect(telnyxProtocol.parse(text({ event: 'media', sequence_number: '9', stream_id: 'st1', media: { track: 'inbound', chunk: '4', timestamp: '60', payload: 'AAAA' } }), false, true)).toMatchObject({ type: 'media', sequence: 4 });
    expect(refusal(telnyxProtocol, text({ event: 'error', payload: { code: 100002 } }), false, true)).toMatch(/Telnyx reported an error/);
  });

  it('restores media order within a small window and gives up on a lost frame', () => {
    const reorderer = new MediaReorderer(3);
    const order: number[] = [];
    for (const seq of [1, 3, 2, 4, 6, 7, 8, 9, 5, 10]) reorderer.push(seq, Uint8Array.of(seq), (p) => order.push(p[0]));
    expect(order).toEqual([1, 2, 3, 4, 6, 7, 8, 9, 10]);
    expect(reorderer.dropped).toBe(1); // 5 came after its place was given up
  });
});

describe('native protocol', () => {
  const encode = (body: object) => { const bytes = v1.MediaMessage.encode(v1.MediaMessage.create(body)).finish(); return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer; };
  it('takes versioned binary MediaMessages', () => {
    const parsed = nativeProtocol.parse(encode({ version: 1, start: { callId: 'n1', codec: v1.Codec.PCMA, sampleRateHz: 8000, parameters: { agentId: 'demo' } } }), true, false);
    expect(parsed).toEqual({ type: 'start', start: { carrierCallId: 'n1', streamId: 'n1', parameters: { agentId: 'demo' }, format: { encoding: 'alaw', sampleRateHz: 8000 } } });
  });
  it('refuses text frames, other versions, garbage and unsupported codecs', () => {
    expect(refusal(nativeProtocol, encode({ version: 1, stop: {} }), false)).toMatch(/binary protobuf/);
    expect(refusal(nativeProtocol, encode({ version: 2, stop: {} }), true)).toMatch(/version 2 is not supported/);
    expect(refusal(nativeProtocol, Uint8Array.of(0xff, 0xff, 0xff).buffer, true)).toMatch(/not a valid MediaMessage/);
    expect(refusal(nativeProtocol, encode({ version: 1, start: { callId: 'x', codec: v1.Codec.L16, sampleRateHz: 44100 } }), true)).toMatch(/L16 at 8000\/16000 Hz/);
    expect(refusal(nativeProtocol, encode({ version: 1, audio: { seq: 1, payload: new Uint8Array(160) } }), true, false)).toMatch(/"audio" before "start"/);
  });
});
