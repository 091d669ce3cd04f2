// SDP offer/answer for audio calls (RFC 3264/4566) on sdp-transform: G.711 (PCMU 0, PCMA 8) and telephone-event
// (RFC 4733). We read the first audio stream of an offer and answer with one codec.
import { parse, parsePayloads, write, type MediaDescription } from 'sdp-transform';

export interface SdpOffer {
  address: string;
  port: number;
  payloadTypes: number[];
  telephoneEvent: number | null;
  /** sendrecv unless the offer holds the call (sendonly / inactive). */
  direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
}

export function parseSdpOffer(body: string): SdpOffer {
  const session = parse(body);
  const audio = session.media?.find((m) => m.type === 'audio');
  if (!audio || !/^RTP\/AVP$/i.test(audio.protocol)) throw new Error('SDP offer has no RTP/AVP audio media line');
  const connection = audio.connection ?? session.connection;
  if (!connection?.ip) throw new Error('SDP offer has no audio media line or connection address');
  const address = connection.ip;
  // Only a literal IPv4 address: we send RTP there, and a host name would make us resolve whatever a caller wrote.
  if (connection.version !== 4 || !/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(address) || address.split('.').some((o) => Number(o) > 255)) {
    throw new Error(`SDP connection address "${address.slice(0, 40)}" is not an IPv4 address`);
  }
  const port = Number(audio.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`SDP audio port ${audio.port} is out of range`);
  const event = audio.rtp.find((r) => /^telephone-event$/i.test(r.codec) && r.rate === 8000);
  const direction = audio.direction ?? session.direction ?? 'sendrecv';
  return { address, port, payloadTypes: parsePayloads(String(audio.payloads ?? '')), telephoneEvent: event?.payload ?? null, direction };
}

/** Our answer: the first of PCMU/PCMA the offer lists, and telephone-event when offered. */
export function buildSdpAnswer(offer: SdpOffer, local: { address: string; port: number; sessionId: number }): { body: string; payloadType: number } | null {
  const payloadType = offer.payloadTypes.find((pt) => pt === 0 || pt === 8);
  if (payloadType === undefined) return null;
  const event = offer.telephoneEvent;
  const direction = offer.direction === 'sendonly' ? 'recvonly' : offer.direction === 'recvonly' ? 'sendonly' : offer.direction;
  const audio: MediaDescription = {
    type: 'audio', port: local.port, protocol: 'RTP/AVP', payloads: [payloadType, ...(event !== null ? [event] : [])].join(' '),
    rtp: [{ payload: payloadType, codec: payloadType === 0 ? 'PCMU' : 'PCMA', rate: 8000 }, ...(event !== null ? [{ payload: event, codec: 'telephone-event', rate: 8000 }] : [])],
    fmtp: event !== null ? [{ payload: event, config: '0-16' }] : [],
    ptime: 20,
    direction,
  };
  const body = write({
    version: 0,
    origin: { username: 'invorto', sessionId: local.sessionId, sessionVersion: local.sessionId, netType: 'IN', ipVer: 4, address: local.address },
    name: 'Invorto',
    connection: { version: 4, ip: local.address },
    timing: { start: 0, stop: 0 },
    media: [audio],
  });
  return { body, payloadType };
}
