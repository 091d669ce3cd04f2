// Twilio Media Streams: JSON text frames, base64 mu-law 8 kHz payloads (PROTOCOLS.md). Binary frames are rejected.
import { ProtocolError, type InboundMessage, type MediaStreamProtocol } from './types.ts';

const textDecoder = new TextDecoder('utf-8', { fatal: true });
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

type Json = Record<string, unknown>;

function object(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ProtocolError(`${what} must be an object`);
  return value as Json;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new ProtocolError(`${what} must be a string`);
  return value;
}

export function decodeBase64Payload(payload: string): Uint8Array {
  if (!BASE64.test(payload)) throw new ProtocolError('media.payload is not valid base64');
  return Buffer.from(payload, 'base64');
}

function parseStart(message: Json): InboundMessage {
  const start = object(message.start, 'start');
  const format = object(start.mediaFormat, 'start.mediaFormat');
  const encoding = format.encoding;
  const sampleRate = format.sampleRate;
  const channels = format.channels ?? 1;
  if (encoding !== 'audio/x-mulaw' || sampleRate !== 8000 || channels !== 1) {
    throw new ProtocolError(
      `unsupported mediaFormat ${JSON.stringify({ encoding, sampleRate, channels })}: Twilio streams must be audio/x-mulaw, 8000 Hz, 1 channel`,
    );
  }
  const parameters: Record<string, string> = {};
  const custom = start.customParameters === undefined ? {} : object(start.customParameters, 'start.customParameters');
  for (const [key, value] of Object.entries(custom)) parameters[key] = String(value);
  return {
    type: 'start',
    start: {
      carrierCallId: text(start.callSid, 'start.callSid'),
      streamId: text(start.streamSid ?? message.streamSid, 'start.streamSid'),
      parameters,
      format: { encoding: 'mulaw', sampleRateHz: 8000 },
    },
  };
}

export const twilioProtocol: MediaStreamProtocol = {
  name: 'twilio',

  parse(raw, isBinary, started) {
    if (isBinary) throw new ProtocolError('binary frame: Twilio media streams carry JSON text frames only');
    let message: Json;
    try {
      message = object(JSON.parse(textDecoder.decode(raw)), 'message');
    } catch (error) {
      if (error instanceof ProtocolError) throw error;
      throw new ProtocolError('frame is not JSON');
    }
    const event = message.event;
    switch (event) {
      case 'connected':
        return { type: 'connected' };
      case 'start':
        if (started) throw new ProtocolError('second "start" on one stream');
        return parseStart(message);
      case 'media': {
        if (!started) throw new ProtocolError('"media" before "start"');
        const media = object(message.media, 'media');
        if (media.track !== undefined && media.track !== 'inbound') return { type: 'media', payload: new Uint8Array(0), sequence: null };
        const sequence = Number(message.sequenceNumber);
        return { type: 'media', payload: decodeBase64Payload(text(media.payload, 'media.payload')), sequence: Number.isFinite(sequence) ? sequence : null };
      }
      case 'mark':
        return { type: 'mark', name: text(object(message.mark, 'mark').name, 'mark.name') };
      case 'dtmf':
        return { type: 'dtmf', digit: text(object(message.dtmf, 'dtmf').digit, 'dtmf.digit') };
      case 'stop':
        return { type: 'stop' };
      default:
        throw new ProtocolError(`unknown event ${JSON.stringify(event)}`);
    }
  },

  formatAudio(streamSid, frame) {
    return `{"event":"media","streamSid":${JSON.stringify(streamSid)},"media":{"payload":"${Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('base64')}"}}`;
  },

  formatMark(streamSid, name) {
    return JSON.stringify({ event: 'mark', streamSid, mark: { name } });
  },

  formatClear(streamSid) {
    return JSON.stringify({ event: 'clear', streamSid });
  },
};
