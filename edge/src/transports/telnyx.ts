// Telnyx media streaming: JSON text frames, snake_case, base64 RTP payloads without headers. Codecs PCMU, PCMA
// (8 kHz) and L16 (8 or 16 kHz, network byte order as in RTP, swapped to and from the dsp's little-endian PCM).
// Media frames may arrive out of order: the edge restores the order by media.chunk.
import { numeric, object, parseJsonMessage, stringMap, swap16, text, toBase64, type JsonDialect } from './json-protocol.ts';
import { ProtocolError, twentyMsBytes, type InboundMessage, type MediaFormat, type MediaStreamProtocol } from './types.ts';

function telnyxFormat(value: unknown): MediaFormat {
  const format = object(value, 'start.media_format');
  const encoding = String(format.encoding ?? '');
  const rate = numeric(format.sample_rate, 'start.media_format.sample_rate');
  if ((encoding === 'PCMU' || encoding === 'PCMA') && rate === 8000) return { encoding: encoding === 'PCMU' ? 'mulaw' : 'alaw', sampleRateHz: 8000 };
  if (encoding === 'L16' && (rate === 8000 || rate === 16000)) return { encoding: 'l16', sampleRateHz: rate };
  throw new ProtocolError(`unsupported media_format ${JSON.stringify({ encoding, sample_rate: rate })}: use PCMU or PCMA at 8000 Hz, or L16 at 8000/16000 Hz`);
}

function parseStart(message: Record<string, unknown>): InboundMessage {
  const start = object(message.start, 'start');
  const parameters = stringMap(start.custom_parameters, 'start.custom_parameters');
  if (typeof start.client_state === 'string') parameters.clientState = start.client_state;
  return {
    type: 'start',
    start: {
      carrierCallId: text(start.call_control_id, 'start.call_control_id'),
      streamId: text(message.stream_id ?? start.stream_id, 'stream_id'),
      parameters,
      format: telnyxFormat(start.media_format),
    },
  };
}

/** What the shared JSON parser needs to know of this carrier (exported for the fast path's differential test). */
export const telnyxDialect: JsonDialect = {
  carrier: 'Telnyx',
  parseStart,
  // sequence_number counts every message; media.chunk counts media alone, so gaps in it are missing audio.
  sequence: { scope: 'media', key: 'chunk', required: true },
  extra: {
    error: (message) => { throw new ProtocolError(`Telnyx reported an error: ${JSON.stringify(message.payload ?? message.error ?? {})}`); },
  },
};

export const telnyxProtocol: MediaStreamProtocol = {
  name: 'telnyx',
  reordersMedia: true,

  parse: (raw, isBinary, started) => parseJsonMessage(telnyxDialect, raw, isBinary, started),

  outbound(start) {
    const bigEndian = start.format.encoding === 'l16';
    return {
      chunkBytes: twentyMsBytes(start.format),
      inboundAudio: bigEndian ? swap16 : undefined,
      audio: (chunk) => `{"event":"media","media":{"payload":"${toBase64(bigEndian ? swap16(chunk) : chunk)}"}}`,
      mark: (name) => JSON.stringify({ event: 'mark', mark: { name } }),
      clear: () => JSON.stringify({ event: 'clear' }),
    };
  },
};
