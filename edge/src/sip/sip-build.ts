// Building the SIP messages the edge sends: responses that echo what §8.2.6 says they must, and the requests we
// send inside a dialog we answered (BYE, REFER, a session-refresh re-INVITE and its ACK).
import { header, type SipRequest } from './sip-message.ts';

const REASONS: Record<number, string> = {
  100: 'Trying', 180: 'Ringing', 200: 'OK', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 408: 'Request Timeout', 422: 'Session Interval Too Small', 481: 'Call/Transaction Does Not Exist',
  486: 'Busy Here', 487: 'Request Terminated', 488: 'Not Acceptable Here', 491: 'Request Pending', 500: 'Server Internal Error',
  501: 'Not Implemented', 503: 'Service Unavailable',
};

export interface ResponseOptions {
  toTag?: string;
  /** The status line's reason phrase (default: the status's usual one), e.g. why a call is refused. */
  reason?: string;
  contact?: string;
  body?: string;
  extra?: Record<string, string>;
}

/** A response to `request`: Via, From, To (with our tag), Call-ID and CSeq echoed as RFC 3261 §8.2.6 says. */
export function buildResponse(request: SipRequest, status: number, options: ResponseOptions = {}): Buffer {
  const to = header(request, 'to');
  const lines = [`SIP/2.0 ${status} ${options.reason?.replace(/[\r\n]/g, ' ') || REASONS[status] || 'Unknown'}`];
  for (const via of request.headers.get('via') ?? []) lines.push(`Via: ${via}`);
  lines.push(`From: ${header(request, 'from')}`);
  lines.push(`To: ${options.toTag && !/;\s*tag=/i.test(to) ? `${to};tag=${options.toTag}` : to}`);
  lines.push(`Call-ID: ${header(request, 'call-id')}`, `CSeq: ${header(request, 'cseq')}`);
  if (options.contact) lines.push(`Contact: ${options.contact}`);
  // A proxy that record-routes (Kamailio in front of several edges) stays in the dialog only if the answers that
  // set it up carry its Record-Route back (§12.1.1); without it the caller's ACK and BYE never reach this edge.
  if (request.method === 'INVITE' && status > 100 && status < 300) for (const route of request.headers.get('record-route') ?? []) lines.push(`Record-Route: ${route}`);
  for (const [name, value] of Object.entries(options.extra ?? {})) lines.push(`${name}: ${value}`);
  lines.push('Server: Invorto');
  const body = options.body ?? '';
  if (body) lines.push('Content-Type: application/sdp');
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`, '', body);
  return Buffer.from(lines.join('\r\n'));
}

export interface DialogRequestOptions {
  toTag: string;
  cseq: number;
  local: { host: string; port: number };
  branch: string;
  extra?: Record<string, string>;
  body?: string;
}

/**
 * A request we send inside a dialog we answered: From is the INVITE's To with our tag, To its From, the
 * Request-URI its Contact (§12.2.1.1). Retransmission is the client transaction's job (Timer E/F, A/B).
 */
/** Where requests in the caller's dialog go (§12.1.1): the INVITE's Contact URI, else its From URI. */
export function remoteTarget(invite: SipRequest): string {
  return /<([^>]+)>/.exec(header(invite, 'contact'))?.[1] ?? (header(invite, 'contact') || /<([^>]+)>/.exec(header(invite, 'from'))?.[1] || header(invite, 'from'));
}

/**
 * A URI we can put in a request line: a sip, sips or tel URI of visible ASCII (RFC 3261 §25.1) with no delimiters.
 * A Contact with anything else is refused at the INVITE, rather than the edge's own BYE failing at hang-up.
 */
export function isRequestUri(uri: string): boolean {
  return /^(sips?|tel):[\x21-\x7e]+$/i.test(uri) && !/[<>"]/.test(uri);
}

export function buildDialogRequest(invite: SipRequest, method: 'BYE' | 'REFER' | 'INVITE' | 'ACK' | 'UPDATE', dialog: DialogRequestOptions): Buffer {
  const contact = remoteTarget(invite);
  const to = header(invite, 'to');
  const body = dialog.body ?? '';
  const lines = [
    `${method} ${contact} SIP/2.0`,
    `Via: SIP/2.0/UDP ${dialog.local.host}:${dialog.local.port};branch=z9hG4bK${dialog.branch};rport`,
    'Max-Forwards: 70',
    `From: ${/;\s*tag=/i.test(to) ? to : `${to};tag=${dialog.toTag}`}`,
    `To: ${header(invite, 'from')}`,
    `Call-ID: ${header(invite, 'call-id')}`,
    `CSeq: ${dialog.cseq} ${method}`,
    `Contact: <sip:invorto@${dialog.local.host}:${dialog.local.port}>`,
    // The route set of a dialog we answered is the INVITE's Record-Route list, in order (§12.1.1, §12.2.1.1).
    ...(invite.headers.get('record-route') ?? []).map((route) => `Route: ${route}`),
    ...Object.entries(dialog.extra ?? {}).map(([name, value]) => `${name}: ${value}`),
    'User-Agent: Invorto',
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`, '', body,
  ];
  return Buffer.from(lines.join('\r\n'));
}
