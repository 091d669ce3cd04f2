import { describe, expect, it } from 'vitest';
import { twilioProtocol } from '../src/transports/twilio.ts';
import { ProtocolError } from '../src/transports/types.ts';

const encode = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value)).buffer as ArrayBuffer;
const start = {
  event: 'start', sequenceNumber: '1', streamSid: 'MZ1',
  start: { streamSid: 'MZ1', accountSid: 'AC1', callSid: 'CA1', tracks: ['inbound'], customParameters: { agentId: 'demo' }, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } },
};

function rejection(raw: ArrayBuffer, started: boolean, isBinary = false): string {
  try {
    twilioProtocol.parse(raw, isBinary, started);
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return (error as ProtocolError).reason;
  }
  throw new Error('expected a ProtocolError');
}

describe('Twilio Media Streams protocol', () => {
  it('parses start with its parameters and media format', () => {
    const message = twilioProtocol.parse(encode(start), false, false);
    expect(message).toEqual({ type: 'start', start: { carrierCallId: 'CA1', streamId: 'MZ1', parameters: { agentId: 'demo' }, format: { encoding: 'mulaw', sampleRateHz: 8000 } } });
  });

  it('decodes base64 mu-law media payloads', () => {
    const payload = Buffer.from(Uint8Array.from({ length: 160 }, (_, i) => i)).toString('base64');
    const message = twilioProtocol.parse(encode({ event: 'media', sequenceNumber: '3', streamSid: 'MZ1', media: { track: 'inbound', chunk: '1', timestamp: '0', payload } }), false, true);
    expect(message.type).toBe('media');
    if (message.type === 'media') {
      expect(message.payload.length).toBe(160);
      expect(message.payload[159]).toBe(159);
      expect(message.sequence).toBe(3);
    }
  });

  it('parses mark, dtmf and stop', () => {
    expect(twilioProtocol.parse(encode({ event: 'mark', streamSid: 'MZ1', mark: { name: 'reply-0' } }), false, true)).toEqual({ type: 'mark', name: 'reply-0' });
    expect(twilioProtocol.parse(encode({ event: 'dtmf', streamSid: 'MZ1', dtmf: { track: 'inbound_track', digit: '5' } }), false, true)).toEqual({ type: 'dtmf', digit: '5' });
    expect(twilioProtocol.parse(encode({ event: 'stop', streamSid: 'MZ1' }), false, true)).toEqual({ type: 'stop' });
  });

  it('rejects bad input with a reason that names the problem', () => {
    expect(rejection(encode('hello'), true)).toBe('frame is not JSON');
    expect(rejection(encode({ event: 'dance' }), true)).toContain('unknown event "dance"');
    expect(rejection(encode({ event: 'media', media: { payload: '***not base64***' } }), true)).toContain('not valid base64');
    expect(rejection(encode({ event: 'media', media: { payload: 'AAAA' } }), false)).toContain('"media" before "start"');
    expect(rejection(encode({ ...start, start: { ...start.start, mediaFormat: { encoding: 'audio/x-l16', sampleRate: 16000, channels: 1 } } }), false)).toContain('unsupported mediaFormat');
    expect(rejection(encode(start), true)).toContain('second "start"');
    expect(rejection(encode({ event: 'media' }), true)).toContain('media must be an object');
    expect(rejection(encode({ event: 'media', sequenceNumber: 'x', media: { payload: 'AAAA' } }), true)).toContain('sequenceNumber must be a number');
    expect(rejection(new Uint8Array([0xff, 0xfe, 0x00]).buffer, true)).toBe('frame is not JSON');
    expect(rejection(encode({ event: 'connected' }), false, true)).toContain('binary frame');
    expect(rejection(encode('[1,2]'), true)).toBe('message must be an object');
  });

  it('formats outbound media, mark and clear exactly as Twilio expects, 20 ms per message', () => {
    const frame = new Uint8Array(160).fill(0xff);
    const out = twilioProtocol.outbound({ carrierCallId: 'CA1', streamId: 'MZ1', parameters: {}, format: { encoding: 'mulaw', sampleRateHz: 8000 } });
    expect(out.chunkBytes).toBe(160);
    expect(JSON.parse(out.audio(frame) as string)).toEqual({ event: 'media', streamSid: 'MZ1', media: { payload: Buffer.from(frame).toString('base64') } });
    expect(JSON.parse(out.mark('reply-1') as string)).toEqual({ event: 'mark', streamSid: 'MZ1', mark: { name: 'reply-1' } });
    expect(JSON.parse(out.clear() as string)).toEqual({ event: 'clear', streamSid: 'MZ1' });
  });
});
