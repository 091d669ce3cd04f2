// Plivo audio streams: JSON text frames. In: start {start: {callId, streamId, mediaFormat}}, media, dtmf,
// playedStream (a checkpoint we sent has played), clearedAudio. Out: playAudio {media: {contentType, sampleRate,
// payload}}, checkpoint {streamId, name}, clearAudio {streamId}. Formats: audio/x-mulaw 8 kHz, audio/x-l16 8 or 16 kHz
// (16-bit little-endian PCM).
import { numeric, object, parseJsonMessage, stringMap, text, toBase64, type JsonDialect } from './json-protocol.ts';
import { ProtocolError, twentyMsBytes, type InboundMessage, type MediaFormat, type MediaStreamProtocol } from './types.ts';

function plivoFormat(value: unknown): MediaFormat {
  const format = object(value, 'start.mediaFormat');
  const encoding = String(format.encoding ?? '');
  const rate = numeric(format.sampleRate, 'start.mediaFormat.sampleRate');
  if (encoding === 'audio/x-mulaw' && rate === 8000) return { encoding: 'mulaw', sampleRateHz: 8000 };
  if (encoding === 'audio/x-l16' && (rate === 8000 || rate === 16000)) return { encoding: 'l16', sampleRateHz: rate };
  throw new ProtocolError(`unsupported mediaFormat ${JSON.stringify({ encoding, sampleRate: rate })}: Plivo streams must be audio/x-mulaw 8000 Hz or audio/x-l16 8000/16000 Hz`);
}

function parseStart(message: Record<string, unknown>): InboundMessage {
  const start = object(message.start, 'start');
  const parameters = stringMap(start.customParameters, 'start.customParameters');
  // Plivo passes the Stream element's extraHeaders as "key=value;key=value".
  const extra = typeof message.extra_headers === 'string' ? message.extra_headers : '';
  for (const pair of extra.split(/[;,]/)) {
    const [key, value] = pair.split('=');
    if (key?.trim() && value !== undefined) parameters[key.trim()] = value.trim();
  }
  return {
    type: 'start',
    start: { carrierCallId: text(start.callId, 'start.callId'), streamId: text(start.streamId, 'start.streamId'), parameters, format: plivoFormat(start.mediaFormat) },
  };
}

/** What the shared JSON parser needs to know of this carrier (exported for the fast path's differential test). */
export const plivoDialect: JsonDialect = {
  carrier: 'Plivo',
  parseStart,
  sequence: { scope: 'message', key: 'sequenceNumber', required: false },
  extra: {
    playedStream: (message) => ({ type: 'mark', name: text(message.name, 'name') }),
    clearedAudio: () => ({ type: 'ignore' }),
  },
};

export const plivoProtocol: MediaStreamProtocol = {
  name: 'plivo',

  parse: (raw, isBinary, started) => parseJsonMessage(plivoDialect, raw, isBinary, started),

  outbound(start) {
    const contentType = start.format.encoding === 'mulaw' ? 'audio/x-mulaw' : 'audio/x-l16';
    const head = `{"event":"playAudio","media":{"contentType":"${contentType}","sampleRate":${start.format.sampleRateHz},"payload":"`;
    return {
      chunkBytes: twentyMsBytes(start.format),
      audio: (chunk) => `${head}${toBase64(chunk)}"}}`,
      mark: (name) => JSON.stringify({ event: 'checkpoint', streamId: start.streamId, name }),
      clear: () => JSON.stringify({ event: 'clearAudio', streamId: start.streamId }),
    };
  },
};
