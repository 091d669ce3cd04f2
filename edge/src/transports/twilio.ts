// Twilio Media Streams: JSON text frames, base64 mu-law 8 kHz payloads (PROTOCOLS.md). Binary frames are rejected.
import { base64Payload, numeric, object, parseJsonFrame, stringMap, text, toBase64 } from './json-protocol.ts';
import { ProtocolError, twentyMsBytes, type InboundMessage, type MediaStreamProtocol } from './types.ts';

function parseStart(message: Record<string, unknown>): InboundMessage {
  const start = object(message.start, 'start');
  const format = object(start.mediaFormat, 'start.mediaFormat');
  const { encoding, sampleRate } = format;
  const channels = format.channels ?? 1;
  if (encoding !== 'audio/x-mulaw' || sampleRate !== 8000 || channels !== 1) {
    throw new ProtocolError(`unsupported mediaFormat ${JSON.stringify({ encoding, sampleRate, channels })}: Twilio streams must be audio/x-mulaw, 8000 Hz, 1 channel`);
  }
  return {
    type: 'start',
    start: {
      carrierCallId: text(start.callSid, 'start.callSid'),
      streamId: text(start.streamSid ?? message.streamSid, 'start.streamSid'),
      parameters: stringMap(start.customParameters, 'start.customParameters'),
      format: { encoding: 'mulaw', sampleRateHz: 8000 },
    },
  };
}

export const twilioProtocol: MediaStreamProtocol = {
  name: 'twilio',

  parse(raw, isBinary, started) {
    const message = parseJsonFrame(raw, isBinary, 'Twilio');
    switch (message.event) {
      case 'connected':
        return { type: 'connected' };
      case 'start':
        if (started) throw new ProtocolError('second "start" on one stream');
        return parseStart(message);
      case 'media': {
        if (!started) throw new ProtocolError('"media" before "start"');
        const media = object(message.media, 'media');
        if (media.track !== undefined && media.track !== 'inbound') return { type: 'ignore' };
        const sequence = message.sequenceNumber === undefined ? null : numeric(message.sequenceNumber, 'sequenceNumber');
        return { type: 'media', payload: base64Payload(media.payload), sequence };
      }
      case 'mark':
        return { type: 'mark', name: text(object(message.mark, 'mark').name, 'mark.name') };
      case 'dtmf':
        return { type: 'dtmf', digit: text(object(message.dtmf, 'dtmf').digit, 'dtmf.digit') };
      case 'stop':
        return { type: 'stop' };
      default:
        throw new ProtocolError(`unknown event ${JSON.stringify(message.event)}`);
    }
  },

  outbound(start) {
    const streamSid = JSON.stringify(start.streamId);
    return {
      chunkBytes: twentyMsBytes(start.format),
      audio: (chunk) => `{"event":"media","streamSid":${streamSid},"media":{"payload":"${toBase64(chunk)}"}}`,
      mark: (name) => JSON.stringify({ event: 'mark', streamSid: start.streamId, mark: { name } }),
      clear: () => JSON.stringify({ event: 'clear', streamSid: start.streamId }),
    };
  },
};
