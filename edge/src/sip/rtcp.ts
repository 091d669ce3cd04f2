// Basic RTCP (RFC 3550 §6.4): a sender report with one report block every 5 s while we send, describing what we
// receive (fraction and cumulative lost, highest sequence, interarrival jitter); incoming reports are read for
// their loss figures. On the RTP port + 1.

export interface ReceptionStats {
  ssrc: number;
  /** Extended highest sequence number received. */
  highestSeq: number;
  expected: number;
  received: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
}

/** RTCP SR (PT 200) from `ssrc`, with one reception report block about `remote`. */
export function buildSenderReport(ssrc: number, packetsSent: number, octetsSent: number, rtpTimestamp: number, remote: ReceptionStats, previous: { expected: number; received: number }): Uint8Array {
  const packet = new Uint8Array(52);
  const view = new DataView(packet.buffer);
  packet[0] = 0x81; // V=2, one report block
  packet[1] = 200;
  view.setUint16(2, packet.length / 4 - 1);
  view.setUint32(4, ssrc >>> 0);
  const ntpMs = Date.now() + 2_208_988_800_000; // NTP epoch 1900
  view.setUint32(8, Math.floor(ntpMs / 1000) >>> 0);
  view.setUint32(12, Math.floor(((ntpMs % 1000) / 1000) * 2 ** 32) >>> 0);
  view.setUint32(16, rtpTimestamp >>> 0);
  view.setUint32(20, packetsSent >>> 0);
  view.setUint32(24, octetsSent >>> 0);
  const expectedInterval = remote.expected - previous.expected;
  const lostInterval = expectedInterval - (remote.received - previous.received);
  const fraction = expectedInterval <= 0 || lostInterval <= 0 ? 0 : Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
  const cumulativeLost = Math.max(0, Math.min(0x7fffff, remote.expected - remote.received));
  view.setUint32(28, remote.ssrc >>> 0);
  view.setUint32(32, ((fraction & 0xff) << 24) | cumulativeLost);
  view.setUint32(36, remote.highestSeq >>> 0);
  view.setUint32(40, Math.round(remote.jitter) >>> 0);
  // LSR and DLSR stay 0: we do not track the peer's sender reports' times.
  return packet;
}

/** The loss figures of the first report block of an incoming SR or RR, or null for anything else. */
export function parseReport(packet: Uint8Array): { ssrc: number; fractionLost: number; cumulativeLost: number } | null {
  if (packet.length < 8 || packet[0] >> 6 !== 2 || (packet[1] !== 200 && packet[1] !== 201) || (packet[0] & 0x1f) === 0) return null;
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const block = packet[1] === 200 ? 28 : 8;
  if (packet.length < block + 24) return null;
  return { ssrc: view.getUint32(4), fractionLost: packet[block + 4] / 256, cumulativeLost: view.getUint32(block + 4) & 0xffffff };
}
