// SDP offer/answer for audio calls (RFC 3264/4566): G.711 (PCMU 0, PCMA 8) and telephone-event (RFC 4733).

export interface SdpOffer {
  address: string;
  port: number;
  payloadTypes: number[];
  telephoneEvent: number | null;
  /** sendrecv unless the offer holds the call (sendonly / inactive). */
  direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
}

export function parseSdpOffer(body: string): SdpOffer {
  const lines = body.split(/\r?\n/);
  let address = '';
  let port = -1;
  let payloadTypes: number[] = [];
  let telephoneEvent: number | null = null;
  let direction: SdpOffer['direction'] = 'sendrecv';
  for (const line of lines) {
    const c = /^c=IN IP4 (\S+)/.exec(line);
    if (c) address = c[1];
    const m = /^m=audio (\d+) RTP\/AVP ([\d ]+)/.exec(line);
    if (m) {
      port = Number(m[1]);
      payloadTypes = m[2].trim().split(/\s+/).map(Number);
    }
    const event = /^a=rtpmap:(\d+) telephone-event\/8000/i.exec(line);
    if (event) telephoneEvent = Number(event[1]);
    const dir = /^a=(sendrecv|sendonly|recvonly|inactive)$/.exec(line.trim());
    if (dir) direction = dir[1] as SdpOffer['direction'];
  }
  if (port < 0 || !address) throw new Error('SDP offer has no audio media line or connection address');
  // Only a literal IPv4 address: we send RTP there, and a host name would make us resolve whatever a caller wrote.
  if (!/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(address) || address.split('.').some((o) => Number(o) > 255)) {
    throw new Error(`SDP connection address "${address.slice(0, 40)}" is not an IPv4 address`);
  }
  if (port < 1 || port > 65535) throw new Error(`SDP audio port ${port} is out of range`);
  return { address, port, payloadTypes, telephoneEvent, direction };
}

/** Our answer: the first of PCMU/PCMA the offer lists, and telephone-event when offered. */
export function buildSdpAnswer(offer: SdpOffer, local: { address: string; port: number; sessionId: number }): { body: string; payloadType: number } | null {
  const payloadType = offer.payloadTypes.find((pt) => pt === 0 || pt === 8);
  if (payloadType === undefined) return null;
  const formats = [payloadType, ...(offer.telephoneEvent !== null ? [offer.telephoneEvent] : [])];
  const direction = offer.direction === 'sendonly' ? 'recvonly' : offer.direction === 'recvonly' ? 'sendonly' : offer.direction;
  const lines = [
    'v=0',
    `o=invorto ${local.sessionId} ${local.sessionId} IN IP4 ${local.address}`,
    's=Invorto',
    `c=IN IP4 ${local.address}`,
    't=0 0',
    `m=audio ${local.port} RTP/AVP ${formats.join(' ')}`,
    `a=rtpmap:${payloadType} ${payloadType === 0 ? 'PCMU' : 'PCMA'}/8000`,
    ...(offer.telephoneEvent !== null ? [`a=rtpmap:${offer.telephoneEvent} telephone-event/8000`, `a=fmtp:${offer.telephoneEvent} 0-16`] : []),
    'a=ptime:20',
    `a=${direction}`,
  ];
  return { body: `${lines.join('\r\n')}\r\n`, payloadType };
}
