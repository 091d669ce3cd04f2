// What the JSON media-stream protocols (Twilio, Plivo, Exotel, Telnyx) share: strict JSON text frames, typed field
// access with errors that name the field, and base64 payloads checked before they are decoded.
import { scanMediaFrame, type SequenceField } from './media-scan.ts';
import { ProtocolError, bytesOf, type InboundMessage, type MessageBytes } from './types.ts';

export type Json = Record<string, unknown>;

const textDecoder = new TextDecoder('utf-8', { fatal: true });
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function parseJsonFrame(raw: MessageBytes, isBinary: boolean, carrier: string): Json {
  if (isBinary) throw new ProtocolError(`binary frame: ${carrier} media streams carry JSON text frames only`);
  try {
    return object(JSON.parse(textDecoder.decode(raw)), 'message');
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError('frame is not JSON');
  }
}

export function object(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ProtocolError(`${what} must be an object`);
  return value as Json;
}

export function text(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new ProtocolError(`${what} must be a string`);
  return value;
}

/** A number that carriers send as a number or a numeric string. */
export function numeric(value: unknown, what: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new ProtocolError(`${what} must be a number`);
  return n;
}

export function base64Payload(payload: unknown, what = 'media.payload'): Uint8Array {
  const value = text(payload, what);
  if (!BASE64.test(value)) throw new ProtocolError(`${what} is not valid base64`);
  return Buffer.from(value, 'base64');
}

export const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

function sequenceOf(field: SequenceField, message: Json, media: Json): number | null {
  const value = (field.scope === 'message' ? message : media)[field.key];
  const what = field.scope === 'message' ? field.key : `media.${field.key}`;
  return value === undefined && !field.required ? null : numeric(value, what);
}

export function stringMap(value: unknown, what: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  const map: Record<string, string> = {};
  for (const [key, v] of Object.entries(object(value, what))) map[key] = String(v);
  return map;
}

/** Swaps the bytes of 16-bit samples (network-order L16 <-> the little-endian PCM the dsp core takes). */
export function swap16(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length - (bytes.length & 1));
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    out[i] = bytes[i + 1];
    out[i + 1] = bytes[i];
  }
  return out;
}

/** What differs between the JSON carriers; the events they share are parsed once, in parseJsonMessage. */
export interface JsonDialect {
  carrier: string;
  parseStart(message: Json): InboundMessage;
  /** Where a media message's sequence number is (a numeric string or a number). */
  sequence: SequenceField;
  /** Events of this carrier only (they win over the shared ones). */
  extra?: Record<string, (message: Json) => InboundMessage>;
}

export function parseJsonMessage(dialect: JsonDialect, raw: MessageBytes, isBinary: boolean, started: boolean): InboundMessage {
  if (started && !isBinary && !dialect.extra?.media) {
    const media = scanMediaFrame(bytesOf(raw), dialect.sequence);
    if (media) return media;
  }
  return parseJsonMessageFully(dialect, raw, isBinary, started);
}

/** Every message through JSON.parse: what the fast path declines, and the reference it is tested against. */
export function parseJsonMessageFully(dialect: JsonDialect, raw: MessageBytes, isBinary: boolean, started: boolean): InboundMessage {
  const message = parseJsonFrame(raw, isBinary, dialect.carrier);
  const event = message.event;
  const own = typeof event === 'string' ? dialect.extra?.[event] : undefined;
  if (own) return own(message);
  switch (event) {
    case 'connected':
      return { type: 'connected' };
    case 'start':
      if (started) throw new ProtocolError('second "start" on one stream');
      return dialect.parseStart(message);
    case 'media': {
      if (!started) throw new ProtocolError('"media" before "start"');
      const media = object(message.media, 'media');
      // Only the caller's audio: an outbound or both-track stream also carries our own.
      if (media.track !== undefined && media.track !== 'inbound') return { type: 'ignore' };
      return { type: 'media', payload: base64Payload(media.payload), sequence: sequenceOf(dialect.sequence, message, media) };
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
}
