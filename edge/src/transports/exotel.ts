// Exotel AgentStream (Voicebot): Twilio-like JSON in snake_case. Audio is 16-bit little-endian PCM ("audio/x-raw")
// at the rate chosen by the stream URL's ?sample-rate= (8 or 16 kHz here; 24 kHz is refused with the fix). Exotel
// sends about 100 ms per media message and wants outbound chunks of 3.2-100 KB in multiples of 320 bytes: we send
// 3,200 bytes (200 ms at 8 kHz, 100 ms at 16 kHz).
import { numeric, object, parseJsonMessage, stringMap, text, toBase64, type JsonDialect } from './json-protocol.ts';
import { ProtocolError, type InboundMessage, type MediaStreamProtocol } from './types.ts';

/** What the shared JSON parser needs to know of this carrier (exported for the fast path's differential test). */
export const exotelDialect: JsonDialect = {
  carrier: 'Exotel',
  parseStart,
  sequence: { scope: 'message', key: 'sequence_number', required: false },
};

export const EXOTEL_CHUNK_BYTES = 3200;

function parseStart(message: Record<string, unknown>): InboundMessage {
  const start = object(message.start, 'start');
  const format = object(start.media_format, 'start.media_format');
  const rate = numeric(format.sample_rate, 'start.media_format.sample_rate');
  const bits = format.bit_rate === undefined ? 16 : numeric(format.bit_rate, 'start.media_format.bit_rate');
  if (format.encoding !== 'audio/x-raw' || bits !== 16 || (rate !== 8000 && rate !== 16000)) {
    throw new ProtocolError(`unsupported media_format ${JSON.stringify({ encoding: format.encoding, sample_rate: rate, bit_rate: bits })}: Exotel streams must be audio/x-raw, 16-bit, 8000 or 16000 Hz (set ?sample-rate=8000 or 16000 on the stream URL)`);
  }
  const parameters = stringMap(start.custom_parameters, 'start.custom_parameters');
  if (typeof start.from === 'string') parameters.from ??= start.from;
  if (typeof start.to === 'string') parameters.to ??= start.to;
  return {
    type: 'start',
    start: {
      carrierCallId: text(start.call_sid, 'start.call_sid'),
      streamId: text(start.stream_sid ?? message.stream_sid, 'start.stream_sid'),
      parameters,
      format: { encoding: 'l16', sampleRateHz: rate },
    },
  };
}

export const exotelProtocol: MediaStreamProtocol = {
  name: 'exotel',

  parse: (raw, isBinary, started) => parseJsonMessage(exotelDialect, raw, isBinary, started),

  outbound(start) {
    const sid = JSON.stringify(start.streamId);
    return {
      chunkBytes: EXOTEL_CHUNK_BYTES,
      audio: (chunk) => `{"event":"media","stream_sid":${sid},"media":{"payload":"${toBase64(chunk)}"}}`,
      mark: (name) => JSON.stringify({ event: 'mark', stream_sid: start.streamId, mark: { name } }),
      clear: () => JSON.stringify({ event: 'clear', stream_sid: start.streamId }),
    };
  },
};
