// RTP (RFC 3550) header parsing and building, and the sequence/timestamp arithmetic that wraps at 2^16 / 2^32.
// Parsing is not per-sample work, so it lives in TypeScript; every malformed packet is a clear RtpError.

export class RtpError extends Error {}

export interface RtpPacket {
  version: 2;
  padding: boolean;
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  csrcs: number[];
  /** Header extension (profile-defined id and data), if the X bit was set. */
  extension: { profile: number; data: Uint8Array } | null;
  payload: Uint8Array;
}

const FIXED_HEADER_BYTES = 12;

export function parseRtp(packet: Uint8Array): RtpPacket {
  if (packet.length < FIXED_HEADER_BYTES) throw new RtpError(`RTP packet of ${packet.length} bytes is shorter than the 12-byte header`);
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const first = packet[0];
  const version = first >> 6;
  if (version !== 2) throw new RtpError(`RTP version ${version}: only version 2 is supported`);
  const padding = (first & 0x20) !== 0;
  const hasExtension = (first & 0x10) !== 0;
  const csrcCount = first & 0x0f;
  let offset = FIXED_HEADER_BYTES + csrcCount * 4;
  if (offset > packet.length) throw new RtpError(`RTP CSRC count ${csrcCount} needs ${offset} header bytes; the packet has ${packet.length}`);
  const csrcs = Array.from({ length: csrcCount }, (_, i) => view.getUint32(FIXED_HEADER_BYTES + i * 4));
  let extension: RtpPacket['extension'] = null;
  if (hasExtension) {
    if (offset + 4 > packet.length) throw new RtpError('RTP extension header is truncated');
    const words = view.getUint16(offset + 2);
    const end = offset + 4 + words * 4;
    if (end > packet.length) throw new RtpError(`RTP extension of ${words} words runs past the end of the packet`);
    extension = { profile: view.getUint16(offset), data: packet.subarray(offset + 4, end) };
    offset = end;
  }
  let end = packet.length;
  if (padding) {
    const padBytes = packet[packet.length - 1];
    if (padBytes === 0 || offset + padBytes > packet.length) throw new RtpError(`RTP padding of ${padBytes} bytes is impossible in a ${packet.length}-byte packet`);
    end -= padBytes;
  }
  return {
    version: 2,
    padding,
    marker: (packet[1] & 0x80) !== 0,
    payloadType: packet[1] & 0x7f,
    sequence: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    csrcs,
    extension,
    payload: packet.subarray(offset, end),
  };
}

export interface RtpHeaderFields {
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  marker?: boolean;
}

/** Builds a packet with the fixed 12-byte header (no CSRCs, extension or padding) around `payload`. */
export function buildRtp(fields: RtpHeaderFields, payload: Uint8Array): Uint8Array {
  if (fields.payloadType < 0 || fields.payloadType > 127) throw new RtpError(`RTP payload type ${fields.payloadType} is outside 0-127`);
  const packet = new Uint8Array(FIXED_HEADER_BYTES + payload.length);
  const view = new DataView(packet.buffer);
  packet[0] = 0x80;
  packet[1] = (fields.marker ? 0x80 : 0) | fields.payloadType;
  view.setUint16(2, fields.sequence & 0xffff);
  view.setUint32(4, fields.timestamp >>> 0);
  view.setUint32(8, fields.ssrc >>> 0);
  packet.set(payload, FIXED_HEADER_BYTES);
  return packet;
}

/** b - a for 16-bit sequence numbers, in -32768..32767 (positive: b is newer). */
export function seqDiff(a: number, b: number): number {
  return ((((b - a) & 0xffff) + 0x8000) & 0xffff) - 0x8000;
}

/** b - a for 32-bit RTP timestamps, as a signed number. */
export function tsDiff(a: number, b: number): number {
  return ((b - a) | 0);
}

/** Extends 16-bit sequence numbers to a monotonic count across wraps (RFC 3550 A.1 style, without probation). */
export class SequenceExtender {
  #last: number | null = null;
  #cycles = 0;

  extend(sequence: number): number {
    if (this.#last === null) {
      this.#last = sequence;
      return sequence;
    }
    const delta = seqDiff(this.#last, sequence);
    if (delta > 0 && sequence < this.#last) this.#cycles += 0x10000;
    const extended = this.#cycles + sequence - (delta < 0 && sequence > this.#last ? 0x10000 : 0);
    if (delta > 0) this.#last = sequence;
    return extended;
  }
}

/** Cuts a stream of payload bytes of any length into exact frames (e.g. 160 bytes = 20 ms of 8 kHz G.711). */
export class Packetizer {
  readonly #frame: Uint8Array;
  #filled = 0;

  constructor(readonly frameBytes: number) {
    this.#frame = new Uint8Array(frameBytes);
  }

  push(bytes: Uint8Array, onFrame: (frame: Uint8Array) => void): void {
    let offset = 0;
    while (offset < bytes.length) {
      const take = Math.min(this.frameBytes - this.#filled, bytes.length - offset);
      this.#frame.set(bytes.subarray(offset, offset + take), this.#filled);
      this.#filled += take;
      offset += take;
      if (this.#filled === this.frameBytes) {
        this.#filled = 0;
        onFrame(this.#frame.slice());
      }
    }
  }
}
