// SIP messages (RFC 3261) over UDP: parse one datagram into a request or a response. Compact header forms are
// expanded. A malformed datagram is a SipParseError that keeps the headers it could read, so the server can still
// answer 400 naming what was wrong (§8.2.2, §18.2.1).

export class SipParseError extends Error {
  constructor(message: string, readonly partial: SipRequest | null = null) {
    super(message);
  }
}

interface SipMessageBase {
  headers: Map<string, string[]>;
  body: string;
}

export interface SipRequest extends SipMessageBase {
  method: string;
  uri: string;
}

export interface SipResponse extends SipMessageBase {
  status: number;
  reason: string;
}

export type SipMessage = ({ kind: 'request' } & SipRequest) | ({ kind: 'response' } & SipResponse);

const COMPACT: Record<string, string> = {
  v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length', c: 'content-type', k: 'supported', x: 'session-expires',
};
const MAX_DATAGRAM = 65_507;
const REQUIRED = ['via', 'from', 'to', 'call-id', 'cseq'];

export function parseSipMessage(datagram: Buffer): SipMessage {
  if (datagram.length > MAX_DATAGRAM) throw new SipParseError('datagram too large');
  const text = datagram.toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  const head = split < 0 ? text : text.slice(0, split);
  const lines = head.split('\r\n');
  const request = /^([A-Za-z]+) (\S+) SIP\/2\.0$/.exec(lines[0]);
  const response = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(lines[0]);
  if (!request && !response) throw new SipParseError(`bad request line "${lines[0].slice(0, 80)}"`);
  const headers = new Map<string, string[]>();
  const partial: SipRequest | null = request ? { method: request[1], uri: request[2], headers, body: '' } : null;
  const fail = (message: string): never => { throw new SipParseError(message, partial); };
  // A line starting with white space continues the header above it (§7.3.1).
  const unfolded: string[] = [];
  for (const line of lines.slice(1)) {
    if (/^[ \t]/.test(line) && unfolded.length > 0) unfolded[unfolded.length - 1] += ` ${line.trim()}`;
    else unfolded.push(line);
  }
  for (const line of unfolded) {
    const colon = line.indexOf(':');
    if (colon <= 0) { fail(`bad header line "${line.slice(0, 80)}"`); }
    const raw = line.slice(0, colon).trim().toLowerCase();
    const name = COMPACT[raw] ?? raw;
    const list = headers.get(name) ?? [];
    // Via and a few others may carry several values in one line (§7.3.1).
    const value = line.slice(colon + 1).trim();
    if (name === 'via') list.push(...value.split(/,(?=\s*SIP\/)/i).map((v) => v.trim()));
    else list.push(value);
    headers.set(name, list);
  }
  if (split < 0) fail('no blank line after the headers');
  for (const needed of REQUIRED) if (!headers.has(needed)) fail(`missing ${needed} header`);
  const cseq = /^(\d{1,10})\s+([A-Za-z]+)$/.exec(headers.get('cseq')![0]);
  if (!cseq || Number(cseq[1]) >= 2 ** 31) fail(`bad CSeq "${headers.get('cseq')![0].slice(0, 40)}"`);
  if (request && cseq![2] !== request[1]) fail(`CSeq method ${cseq![2]} does not match the request method ${request[1]}`);
  const body = text.slice(split + 4);
  const declaredText = headers.get('content-length')?.[0];
  const declared = declaredText === undefined ? Buffer.byteLength(body) : Number(declaredText);
  if (!Number.isInteger(declared) || declared < 0 || declared > Buffer.byteLength(body)) fail('Content-Length does not match the body');
  const content = Buffer.from(body).subarray(0, declared).toString('utf8');
  if (response) return { kind: 'response', status: Number(response[1]), reason: response[2], headers, body: content };
  return { kind: 'request', method: request![1], uri: request![2], headers, body: content };
}

export const header = (message: SipMessageBase, name: string): string => message.headers.get(name)?.[0] ?? '';

/** A parameter of a header value (`;tag=abc`, `;branch=…`), or '' when absent. */
export function param(value: string, name: string): string {
  return new RegExp(`;\\s*${name}=([^;,\\s>]+)`, 'i').exec(value)?.[1] ?? '';
}

export function cseqOf(message: SipMessageBase): { seq: number; method: string } {
  const [seq, method] = header(message, 'cseq').split(/\s+/);
  return { seq: Number(seq), method };
}

/**
 * The transaction a message belongs to (§17.2.3): the top Via's branch and the CSeq method, with ACK and CANCEL
 * matched to their INVITE by the caller. Call-ID and CSeq number are part of the key too, so a peer that reuses
 * a branch across calls (or an RFC 2543 peer with none) does not have a new request taken for a retransmission.
 */
export function transactionKey(message: SipMessageBase, method = cseqOf(message).method): string {
  return `${param(header(message, 'via'), 'branch')}|${header(message, 'call-id')}|${cseqOf(message).seq}|${method}`;
}
