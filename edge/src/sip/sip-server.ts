// A SIP user-agent server for carriers' trunks (RFC 3261, UDP). The datagram layer: parse (a malformed request
// gets 400 naming what is wrong), the allow-list (403), the transaction layer (retransmissions absorbed, our
// requests re-sent, transactions.ts), then one handler per method. A call's dialog is sip-dialog.ts; a new call
// by INVITE is sip-invite.ts. Each call gets an RTP port pair from a range and a call runtime from the call host.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { randomBytes, randomInt } from 'node:crypto';
import type { Logger } from '../util/log.ts';
import { systemClock, type Clock } from './clock.ts';
import { DigestAuth, type DigestAuthOptions } from './digest-auth.ts';
import { buildResponse, type ResponseOptions } from './sip-build.ts';
import { SipDialog, type DialogContext } from './sip-dialog.ts';
import { ALLOW, answerInvite, type InviteContext, type SipCallHost } from './sip-invite.ts';
import { cseqOf, header, param, parseSipMessage, SipParseError, type SipRequest } from './sip-message.ts';
import type { SessionTimerSettings } from './session-timer.ts';
import { ClientTransactions, RFC3261_TIMERS, ServerTransactions, type Address, type SipTimers } from './transactions.ts';

export type { SipCallHost } from './sip-invite.ts';

export interface SipServerOptions {
  host: string;
  port: number;
  /** RTP ports are taken from [rtpPortMin, rtpPortMax]. */
  rtpPortMin: number;
  rtpPortMax: number;
  /** Source addresses served. */
  allow: string[];
  tenantId: string;
  /** Routes a dialled E.164 number to its tenant's agent (the edge's agent source); none: the URI user names the agent. */
  numbers?: InviteContext['numbers'];
  edge: SipCallHost;
  log: Logger;
  /** Digest authentication of INVITEs; none (or no users): every allow-listed trunk is trusted. */
  auth?: { realm: string; users: DigestAuthOptions['users']; nonceTtlMs?: number };
  /** RFC 4028; default 1800 s asked, 90 s the least accepted. */
  session?: SessionTimerSettings;
  /** RFC 3261 T1/T2/T4 (default 500 ms / 4 s / 5 s). */
  timers?: Partial<SipTimers>;
  clock?: Clock;
}

export class SipServer {
  readonly #options: SipServerOptions;
  readonly #dialogs = new Map<string, SipDialog>();
  readonly #server: ServerTransactions;
  readonly #client: ClientTransactions;
  readonly #context: InviteContext;
  #socket: Socket | null = null;
  /** Draining: calls in progress go on, new INVITEs and OPTIONS probes get 503 so a proxy sends calls elsewhere. */
  #draining = false;
  /** One 20 ms clock plays out every call's RTP, not a timer per call; it runs while there are dialogs. */
  #mediaClock: NodeJS.Timeout | null = null;
  /** Datagrams refused as malformed. */
  rejected = 0;

  constructor(options: SipServerOptions) {
    this.#options = options;
    const clock = options.clock ?? systemClock;
    const timers = { ...RFC3261_TIMERS, ...options.timers };
    const send = (datagram: Buffer, to: Address) => this.#send(datagram, to);
    this.#server = new ServerTransactions(clock, timers, send);
    this.#client = new ClientTransactions(clock, timers, send);
    // Made even with no users yet: a reload may add some (DigestAuth.required is false while a trunk has none).
    const auth = options.auth
      ? new DigestAuth({ realm: options.auth.realm, users: options.auth.users, nonceTtlMs: options.auth.nonceTtlMs ?? 60_000, clock })
      : null;
    const port = () => this.port;
    const local = { host: options.host, get port() { return port(); } };
    const dialogContext: DialogContext = {
      clock, timers, local, send, client: this.#client, log: options.log,
      session: options.session ?? { expiresS: 1800, minSeS: 90 },
      onEnded: (dialog) => this.#forget(dialog),
    };
    this.#context = {
      ...dialogContext, host: options.edge, tenantId: options.tenantId, numbers: options.numbers, auth, transactions: this.#server,
      bindRtp: () => this.#bindRtp(),
      register: (dialog) => {
        this.#dialogs.set(dialog.callId, dialog);
        this.#mediaClock ??= setInterval(() => { for (const d of this.#dialogs.values()) d.media?.tick(); }, 20);
      },
    };
  }

  get port(): number {
    return this.#socket?.address().port ?? 0;
  }

  /** Dialogs in progress (set up or being set up). */
  get dialogs(): number {
    return this.#dialogs.size;
  }

  /** Transactions still held (retransmissions absorbed or re-sent), server and client side. */
  get transactions(): { server: number; client: number } {
    return { server: this.#server.size, client: this.#client.size };
  }

  async listen(): Promise<void> {
    const socket = createSocket('udp4');
    socket.on('message', (datagram, from) => this.#onDatagram(datagram, from));
    socket.on('error', (error) => this.#options.log.error({ err: error.message }, 'SIP socket error'));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.#options.port, this.#options.host, () => resolve());
    });
    this.#socket = socket;
  }

  /**
   * Stops taking calls (503 to new INVITEs and to OPTIONS, which a dispatcher such as Kamailio's probes with) and
   * waits up to `limitMs` for the calls in progress to end; resolves with how many were still up at the limit.
   */
  async drain(limitMs: number): Promise<number> {
    this.#draining = true;
    const deadline = Date.now() + limitMs;
    while (this.#dialogs.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    return this.#dialogs.size;
  }

  get draining(): boolean {
    return this.#draining;
  }

  close(): void {
    for (const dialog of [...this.#dialogs.values()]) dialog.hangup('drain', 'the SIP server closed'); // a hang-up, not dead air
    this.#server.close();
    this.#client.close();
    this.#socket?.close();
    this.#socket = null;
  }

  #send(datagram: Buffer, to: Address): void {
    this.#socket?.send(datagram, to.port, to.address, (error) => { if (error) this.#options.log.warn({ err: error.message }, 'SIP send failed'); });
  }

  #onDatagram(datagram: Buffer, from: RemoteInfo): void {
    try {
      this.#handle(datagram, from);
    } catch (error) {
      // Whatever a datagram does, the node and its other calls go on.
      this.rejected++;
      this.#options.log.error({ from: from.address, err: (error as Error).message }, 'SIP datagram failed');
    }
  }

  #handle(datagram: Buffer, from: RemoteInfo): void {
    const allowed = this.#options.allow.includes(from.address);
    let message;
    try {
      message = parseSipMessage(datagram);
    } catch (error) {
      if (!(error instanceof SipParseError)) throw error;
      this.rejected++;
      this.#options.log.warn({ from: from.address, reason: error.message }, 'SIP datagram rejected');
      // A request we can address gets told what was wrong (never an ACK, never to a stranger).
      const partial = error.partial;
      if (allowed && partial && partial.method !== 'ACK' && partial.headers.has('via')) {
        this.#send(buildResponse(partial, 400, { extra: { Warning: `399 invorto "${error.message.replace(/"/g, "'")}"` } }), from);
      }
      return;
    }
    if (message.kind === 'response') {
      this.#client.receive(message);
      return;
    }
    const request: SipRequest = message;
    if (!allowed) {
      this.#options.log.warn({ from: from.address }, 'SIP request from an address not on the allow-list');
      if (request.method !== 'ACK') this.#send(buildResponse(request, 403), from);
      return;
    }
    if (request.method === 'ACK') {
      if (!this.#server.ack(request)) this.#inDialog(request)?.ack(request);
      return;
    }
    if (this.#server.absorb(request, from)) return; // a retransmission: our last answer went again
    const txn = this.#server.open(request, from);
    const respond = (status: number, options: ResponseOptions = {}) => {
      const response = buildResponse(request, status, options);
      this.#server.respond(txn, response, status);
      return response;
    };
    const dialog = this.#inDialog(request);
    const hasToTag = param(header(request, 'to'), 'tag') !== '';
    switch (request.method) {
      case 'INVITE': {
        if (!hasToTag) {
          if (this.#draining) return void respond(503, { toTag: randomBytes(6).toString('hex'), extra: { 'Retry-After': '30' } });
          if (this.#dialogs.has(header(request, 'call-id'))) respond(500, { extra: { 'Retry-After': String(randomInt(1, 11)) } }); // a second INVITE for a call in progress
          else answerInvite(this.#context, request, from, txn).catch((error: Error) => this.#options.log.error({ err: error.message }, 'SIP INVITE failed'));
          return;
        }
        if (!dialog) return void respond(481);
        const answer = dialog.answerUpdate(request);
        const response = respond(answer.status, answer.options);
        if (answer.status < 300) dialog.awaitAck(response, cseqOf(request).seq);
        return;
      }
      case 'UPDATE': {
        if (!dialog) return void respond(481);
        const answer = dialog.answerUpdate(request);
        respond(answer.status, answer.options);
        return;
      }
      case 'BYE':
        respond(dialog ? 200 : 481, { toTag: dialog?.toTag });
        dialog?.end('caller_hangup', 'the caller sent BYE');
        return;
      case 'CANCEL':
        return this.#cancel(request, respond);
      case 'OPTIONS':
        if (this.#draining && !dialog) return void respond(503, { extra: { 'Retry-After': '30' } }); // out of dialog: a probe
        respond(200, { toTag: dialog?.toTag, extra: { Allow: ALLOW, Accept: 'application/sdp', Supported: 'timer' } });
        return;
      case 'NOTIFY': // progress of a transfer we asked for (RFC 3515 §2.4.5): the carrier's BYE ends the dialog
      case 'INFO':
        respond(dialog ? 200 : 481, { toTag: dialog?.toTag });
        return;
      default:
        respond(hasToTag && !dialog ? 481 : 501, { extra: { Allow: ALLOW } });
    }
  }

  /**
   * CANCEL (§9.2): before our final response the INVITE ends with 487 and the call with it; after it (the race
   * with our 200) the CANCEL is answered 200 and the call goes on, to be ended by BYE.
   */
  #cancel(request: SipRequest, respond: (status: number, options?: ResponseOptions) => Buffer): void {
    const invite = this.#server.inviteOf(request);
    if (!invite) return void respond(481);
    const dialog = this.#dialogs.get(header(request, 'call-id'));
    respond(200, { toTag: dialog?.toTag });
    if (invite.status >= 200) return;
    this.#server.respond(invite, buildResponse(invite.request, 487, { toTag: dialog?.toTag }), 487);
    dialog?.end('caller_hangup', 'the caller cancelled the INVITE');
  }

  /** The dialog a request belongs to: its Call-ID and our To tag (§12.2.2). */
  #inDialog(request: SipRequest): SipDialog | null {
    const dialog = this.#dialogs.get(header(request, 'call-id'));
    return dialog && param(header(request, 'to'), 'tag') === dialog.toTag ? dialog : null;
  }

  #forget(dialog: SipDialog): void {
    if (this.#dialogs.get(dialog.callId) === dialog) this.#dialogs.delete(dialog.callId);
    if (this.#dialogs.size === 0 && this.#mediaClock) {
      clearInterval(this.#mediaClock);
      this.#mediaClock = null;
    }
  }

  /** An even RTP port and the RTCP port above it, both free, from the configured range. */
  async #bindRtp(): Promise<[Socket, Socket]> {
    const { rtpPortMin, rtpPortMax, host } = this.#options;
    const bind = (port: number) => new Promise<Socket>((resolve, reject) => {
      const socket = createSocket('udp4');
      socket.once('error', (error) => { socket.close(); reject(error); });
      socket.bind(port, host, () => resolve(socket));
    });
    const first = rtpPortMin + (rtpPortMin & 1);
    for (let attempt = 0; attempt < 20; attempt++) {
      const port = first + 2 * randomInt(0, Math.max(1, Math.floor((rtpPortMax - first) / 2)));
      const rtp = await bind(port).catch(() => null);
      if (!rtp) continue;
      const rtcp = await bind(port + 1).catch(() => null);
      if (rtcp) return [rtp, rtcp];
      rtp.close();
    }
    throw new Error(`no free RTP/RTCP port pair in ${rtpPortMin}-${rtpPortMax}`);
  }
}
