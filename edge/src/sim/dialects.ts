// How each carrier speaks on its media socket, from the carrier's side: what the simulated caller sends and how it
// reads what the edge sends back. Audio crosses this boundary in the wire's own format.
import { randomBytes } from 'node:crypto';
import { v1 } from '@invorto/proto';
import type { MediaFormat } from '../transports/types.ts';

export type OutboundEvent = { kind: 'audio'; payload: Uint8Array } | { kind: 'mark'; name: string } | { kind: 'clear' } | null;

export interface CarrierDialect {
  readonly name: string;
  /** The audio the carrier streams (and expects back). */
  readonly format: MediaFormat;
  /** Milliseconds of audio per media message the carrier sends. */
  readonly messageMs: number;
  opening(parameters: Record<string, string>): (string | Uint8Array)[];
  media(index: number, payload: Uint8Array): string | Uint8Array;
  /** The carrier's acknowledgement that audio up to a mark/checkpoint has played. */
  markPlayed(name: string): string | Uint8Array;
  stop(): string | Uint8Array;
  read(data: Buffer, isBinary: boolean): OutboundEvent;
}

const json = (data: Buffer) => JSON.parse(data.toString());
const b64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const id = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

function twilio(): CarrierDialect {
  const streamSid = id('MZ');
  let sequence = 1;
  return {
    name: 'twilio', format: { encoding: 'mulaw', sampleRateHz: 8000 }, messageMs: 20,
    opening: (parameters) => [
      JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }),
      JSON.stringify({ event: 'start', sequenceNumber: String(sequence++), streamSid, start: { streamSid, accountSid: id('AC'), callSid: id('CA'), tracks: ['inbound'], customParameters: parameters, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } } }),
    ],
    media: (index, payload) => JSON.stringify({ event: 'media', sequenceNumber: String(sequence++), streamSid, media: { track: 'inbound', chunk: String(index + 1), timestamp: String(index * 20), payload: b64(payload) } }),
    markPlayed: (name) => JSON.stringify({ event: 'mark', sequenceNumber: String(sequence++), streamSid, mark: { name } }),
    stop: () => JSON.stringify({ event: 'stop', sequenceNumber: String(sequence++), streamSid, stop: { accountSid: '', callSid: '' } }),
    read: (data, isBinary) => {
      if (isBinary) return null;
      const m = json(data);
      return m.event === 'media' ? { kind: 'audio', payload: Buffer.from(m.media.payload, 'base64') } : m.event === 'mark' ? { kind: 'mark', name: m.mark.name } : m.event === 'clear' ? { kind: 'clear' } : null;
    },
  };
}

function plivo(): CarrierDialect {
  const streamId = randomBytes(16).toString('hex');
  let sequence = 1;
  return {
    name: 'plivo', format: { encoding: 'mulaw', sampleRateHz: 8000 }, messageMs: 20,
    opening: (parameters) => [
      JSON.stringify({ event: 'start', sequenceNumber: sequence++, start: { callId: randomBytes(16).toString('hex'), streamId, accountId: 'MA0000', tracks: ['inbound'], mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000 } }, extra_headers: Object.entries(parameters).map(([k, v]) => `${k}=${v}`).join(';') }),
    ],
    media: (index, payload) => JSON.stringify({ event: 'media', sequenceNumber: sequence++, streamId, media: { track: 'inbound', timestamp: String(index * 20), chunk: index + 1, payload: b64(payload) } }),
    markPlayed: (name) => JSON.stringify({ event: 'playedStream', sequenceNumber: sequence++, streamId, name }),
    stop: () => JSON.stringify({ event: 'stop', sequenceNumber: sequence++, streamId }),
    read: (data, isBinary) => {
      if (isBinary) return null;
      const m = json(data);
      return m.event === 'playAudio' ? { kind: 'audio', payload: Buffer.from(m.media.payload, 'base64') } : m.event === 'checkpoint' ? { kind: 'mark', name: m.name } : m.event === 'clearAudio' ? { kind: 'clear' } : null;
    },
  };
}

function exotel(): CarrierDialect {
  const streamSid = id('MZ');
  let sequence = 1;
  return {
    name: 'exotel', format: { encoding: 'l16', sampleRateHz: 8000 }, messageMs: 100,
    opening: (parameters) => [
      JSON.stringify({ event: 'connected' }),
      JSON.stringify({ event: 'start', sequence_number: String(sequence++), stream_sid: streamSid, start: { stream_sid: streamSid, call_sid: id('CA'), account_sid: id('AC'), from: '+919876543210', to: '+918047491899', custom_parameters: parameters, media_format: { encoding: 'audio/x-raw', sample_rate: '8000', bit_rate: '16' } } }),
    ],
    media: (index, payload) => JSON.stringify({ event: 'media', sequence_number: String(sequence++), stream_sid: streamSid, media: { chunk: String(index + 1), timestamp: String(index * 100), payload: b64(payload) } }),
    markPlayed: (name) => JSON.stringify({ event: 'mark', sequence_number: String(sequence++), stream_sid: streamSid, mark: { name } }),
    stop: () => JSON.stringify({ event: 'stop', sequence_number: String(sequence++), stream_sid: streamSid, stop: { call_sid: '', reason: 'callended' } }),
    read: (data, isBinary) => {
      if (isBinary) return null;
      const m = json(data);
      return m.event === 'media' ? { kind: 'audio', payload: Buffer.from(m.media.payload, 'base64') } : m.event === 'mark' ? { kind: 'mark', name: m.mark.name } : m.event === 'clear' ? { kind: 'clear' } : null;
    },
  };
}

function telnyx(): CarrierDialect {
  const streamId = randomBytes(16).toString('hex');
  let sequence = 1;
  return {
    name: 'telnyx', format: { encoding: 'mulaw', sampleRateHz: 8000 }, messageMs: 20,
    opening: (parameters) => [
      JSON.stringify({ event: 'connected', version: '1.0.0' }),
      JSON.stringify({ event: 'start', sequence_number: String(sequence++), stream_id: streamId, start: { user_id: randomBytes(8).toString('hex'), call_control_id: `v2:${randomBytes(12).toString('hex')}`, client_state: null, custom_parameters: parameters, media_format: { encoding: 'PCMU', sample_rate: 8000, channels: 1 } } }),
    ],
    media: (index, payload) => JSON.stringify({ event: 'media', sequence_number: String(sequence++), stream_id: streamId, media: { track: 'inbound', chunk: String(index + 1), timestamp: String(index * 20), payload: b64(payload) } }),
    markPlayed: (name) => JSON.stringify({ event: 'mark', sequence_number: String(sequence++), stream_id: streamId, mark: { name } }),
    stop: () => JSON.stringify({ event: 'stop', sequence_number: String(sequence++), stream_id: streamId, stop: { user_id: '', call_control_id: '' } }),
    read: (data, isBinary) => {
      if (isBinary) return null;
      const m = json(data);
      return m.event === 'media' ? { kind: 'audio', payload: Buffer.from(m.media.payload, 'base64') } : m.event === 'mark' ? { kind: 'mark', name: m.mark.name } : m.event === 'clear' ? { kind: 'clear' } : null;
    },
  };
}

function native(): CarrierDialect {
  const encode = (body: Record<string, unknown>) => v1.MediaMessage.encode(v1.MediaMessage.create({ version: 1, ...body })).finish();
  return {
    name: 'native', format: { encoding: 'mulaw', sampleRateHz: 8000 }, messageMs: 20,
    opening: (parameters) => [encode({ start: { callId: randomBytes(8).toString('hex'), agentId: parameters.agentId ?? '', codec: v1.Codec.PCMU, sampleRateHz: 8000, parameters } })],
    media: (index, payload) => encode({ audio: { seq: index + 1, timestamp: index * 160, payload } }),
    markPlayed: (name) => encode({ mark: { name } }),
    stop: () => encode({ stop: { reason: 'caller hung up' } }),
    read: (data, isBinary) => {
      if (!isBinary) return null;
      const m = v1.MediaMessage.decode(new Uint8Array(data));
      return m.body === 'audio' ? { kind: 'audio', payload: m.audio!.payload ?? new Uint8Array(0) } : m.body === 'mark' ? { kind: 'mark', name: m.mark!.name ?? '' } : m.body === 'clear' ? { kind: 'clear' } : null;
    },
  };
}

export const dialects: Record<string, () => CarrierDialect> = { twilio, plivo, exotel, telnyx, native };
