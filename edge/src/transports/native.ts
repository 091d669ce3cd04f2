// The native protocol: one protobuf MediaMessage (proto/media.proto) per binary WebSocket frame, both ways, for
// customers who integrate directly. Version 1. Codecs PCMU/PCMA at 8 kHz and L16 (little-endian) at 8 or 16 kHz.
import { v1 } from '@invorto/proto';
import { ProtocolError, bytesOf, twentyMsBytes, type InboundMessage, type MediaFormat, type MediaStreamProtocol } from './types.ts';

export const NATIVE_PROTOCOL_VERSION = 1;

function nativeFormat(codec: number, rate: number): MediaFormat {
  if (codec === v1.Codec.PCMU && rate === 8000) return { encoding: 'mulaw', sampleRateHz: 8000 };
  if (codec === v1.Codec.PCMA && rate === 8000) return { encoding: 'alaw', sampleRateHz: 8000 };
  if (codec === v1.Codec.L16 && (rate === 8000 || rate === 16000)) return { encoding: 'l16', sampleRateHz: rate };
  throw new ProtocolError(`unsupported codec ${v1.Codec[codec] ?? codec} at ${rate} Hz: use PCMU or PCMA at 8000 Hz, or L16 at 8000/16000 Hz`);
}

export const nativeProtocol: MediaStreamProtocol = {
  name: 'native',

  parse(raw, isBinary, started): InboundMessage {
    if (!isBinary) throw new ProtocolError('text frame: the native protocol carries binary protobuf MediaMessage frames');
    let message: InstanceType<typeof v1.MediaMessage>;
    try {
      message = v1.MediaMessage.decode(bytesOf(raw));
    } catch (error) {
      throw new ProtocolError(`frame is not a valid MediaMessage: ${(error as Error).message}`);
    }
    if (message.version !== NATIVE_PROTOCOL_VERSION) throw new ProtocolError(`protocol version ${message.version} is not supported (this edge speaks ${NATIVE_PROTOCOL_VERSION})`);
    switch (message.body) {
      case 'start': {
        if (started) throw new ProtocolError('second "start" on one stream');
        const start = message.start!;
        return {
          type: 'start',
          start: { carrierCallId: start.callId || '', streamId: start.callId || 'native', parameters: { ...(start.parameters ?? {}) }, format: nativeFormat(start.codec ?? 0, start.sampleRateHz ?? 0) },
        };
      }
      case 'audio':
        if (!started) throw new ProtocolError('"audio" before "start"');
        return { type: 'media', payload: message.audio!.payload ?? new Uint8Array(0), sequence: message.audio!.seq ?? null };
      case 'mark':
        return { type: 'mark', name: message.mark!.name ?? '' };
      case 'dtmf':
        return { type: 'dtmf', digit: message.dtmf!.digit ?? '' };
      case 'stop':
        return { type: 'stop' };
      case 'clear':
        return { type: 'ignore' };
      case 'error':
        throw new ProtocolError(`client reported an error: ${message.error!.code ?? ''} ${message.error!.message ?? ''}`.trim());
      default:
        throw new ProtocolError('MediaMessage has no body');
    }
  },

  outbound(start) {
    const chunkBytes = twentyMsBytes(start.format);
    const samplesPerChunk = start.format.encoding === 'l16' ? chunkBytes / 2 : chunkBytes;
    let seq = 0;
    const encode = (body: Record<string, unknown>) => v1.MediaMessage.encode(v1.MediaMessage.create({ version: NATIVE_PROTOCOL_VERSION, ...body })).finish();
    return {
      chunkBytes,
      audio: (chunk) => {
        seq += 1;
        return encode({ audio: { seq, timestamp: ((seq - 1) * samplesPerChunk) >>> 0, payload: chunk } });
      },
      mark: (name) => encode({ mark: { name } }),
      clear: () => encode({ clear: {} }),
    };
  },
};
