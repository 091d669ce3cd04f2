// Twilio Media Streams: JSON text frames, base64 mu-law 8 kHz payloads (PROTOCOLS.md). Binary frames are rejected.
import { object, parseJsonMessage, stringMap, text, toBase64, type JsonDialect } from './json-protocol.ts';
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

/** What the shared JSON parser needs to know of this carrier (exported for the fast path's differential test). */
export const twilioDialect: JsonDialect = {
  carrier: 'Twilio',
  parseStart,
  sequence: { scope: 'message', key: 'sequenceNumber', required: false },
};

export const twilioProtocol: MediaStreamProtocol = {
  name: 'twilio',

  parse: (raw, isBinary, started) => parseJsonMessage(twilioDialect, raw, isBinary, started),

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
