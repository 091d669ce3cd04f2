// SIP messages (RFC 3261) over UDP: parse one datagram into a request or response, and build responses that copy
// the headers a response must echo. Compact header forms are expanded; malformed datagrams are a SipParseError.

export class SipParseError extends Error {}

export interface SipRequest {
  method: string;
  uri: string;
  headers: Map<string, string[]>;
  body: string;
}

const COMPACT: Record<string, string> = { v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length', c: 'content-type', k: 'supported' };
const MAX_DATAGRAM = 65_507;

export function parseSipRequest(datagram: Buffer): SipRequest | null {
  if (datagram.length > MAX_DATAGRAM) throw new SipParseError('datagram too large');
  const text = datagram.toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) throw new SipParseError('no blank line after the headers');
  const lines = text.slice(0, split).split('\r\n');
  const start = /^([A-Z]+) (\S+) SIP\/2\.0$/.exec(lines[0]);
  if (!start) {
    if (/^SIP\/2\.0 \d{3} /.test(lines[0])) return null; // a response (to our own requests): nothing to do
    throw new SipParseError(`bad request line "${lines[0].slice(0, 80)}"`);
  }
  const headers = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new SipParseError(`bad header line "${line.slice(0, 80)}"`);
    const raw = line.slice(0, colon).trim().toLowerCase();
    const name = COMPACT[raw] ?? raw;
    const list = headers.get(name) ?? [];
    list.push(line.slice(colon + 1).trim());
    headers.set(name, list);
  }
  for (const needed of ['via', 'from', 'to', 'call-id', 'cseq']) {
    if (!headers.has(needed)) throw new SipParseError(`missing ${needed} header`);
  }
  const declared = Number(headers.get('content-length')?.[0] ?? '0');
  const body = text.slice(split + 4);
  if (!Number.isInteger(declared) || declared < 0 || declared > Buffer.byteLength(body)) throw new SipParseError('content-length does not match the body');
  return { method: start[1], uri: start[2], headers, body: Buffer.from(body).subarray(0, declared).toString('utf8') };
}

export const header = (request: SipRequest, name: string) => request.headers.get(name)?.[0] ?? '';

const REASONS: Record<number, string> = {
  100: 'Trying', 180: 'Ringing', 200: 'OK', 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 481: 'Call/Transaction Does Not Exist',
  486: 'Busy Here', 487: 'Request Terminated', 488: 'Not Acceptable Here', 501: 'Not Implemented', 503: 'Service Unavailable',
};

/** A response to `request`: Via, From, To (with our tag), Call-ID and CSeq echoed as RFC 3261 §8.2.6 says. */
export function buildResponse(request: SipRequest, status: number, options: { toTag?: string; contact?: string; body?: string; extra?: Record<string, string> } = {}): Buffer {
  const to = header(request, 'to');
  const lines = [`SIP/2.0 ${status} ${REASONS[status] ?? 'Unknown'}`];
  for (const via of request.headers.get('via') ?? []) lines.push(`Via: ${via}`);
  lines.push(`From: ${header(request, 'from')}`);
  lines.push(`To: ${options.toTag && !/;tag=/i.test(to) ? `${to};tag=${options.toTag}` : to}`);
  lines.push(`Call-ID: ${header(request, 'call-id')}`, `CSeq: ${header(request, 'cseq')}`);
  if (options.contact) lines.push(`Contact: ${options.contact}`);
  for (const [name, value] of Object.entries(options.extra ?? {})) lines.push(`${name}: ${value}`);
  lines.push('Server: Invorto');
  const body = options.body ?? '';
  if (body) lines.push('Content-Type: application/sdp');
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`, '', body);
  return Buffer.from(lines.join('\r\n'));
}

/**
 * A request we send inside a dialog we answered (BYE, REFER): From is the INVITE's To with our tag, To its From,
 * the Request-URI its Contact (RFC 3261 §12.2.1.1). UDP, no retransmission: the carrier's session timers and
 * RTP inactivity cover a lost BYE.
 */
export function buildDialogRequest(
  invite: SipRequest, method: 'BYE' | 'REFER',
  dialog: { toTag: string; cseq: number; local: { host: string; port: number }; branch: string; extra?: Record<string, string> },
): Buffer {
  const contact = /<([^>]+)>/.exec(header(invite, 'contact'))?.[1] ?? /<([^>]+)>/.exec(header(invite, 'from'))?.[1] ?? header(invite, 'from');
  const to = header(invite, 'to');
  const lines = [
    `${method} ${contact} SIP/2.0`,
    `Via: SIP/2.0/UDP ${dialog.local.host}:${dialog.local.port};branch=z9hG4bK${dialog.branch}`,
    'Max-Forwards: 70',
    `From: ${/;tag=/i.test(to) ? to : `${to};tag=${dialog.toTag}`}`,
    `To: ${header(invite, 'from')}`,
    `Call-ID: ${header(invite, 'call-id')}`,
    `CSeq: ${dialog.cseq} ${method}`,
    `Contact: <sip:invorto@${dialog.local.host}:${dialog.local.port}>`,
    ...Object.entries(dialog.extra ?? {}).map(([name, value]) => `${name}: ${value}`),
    'User-Agent: Invorto',
    'Content-Length: 0', '', '',
  ];
  return Buffer.from(lines.join('\r\n'));
}
