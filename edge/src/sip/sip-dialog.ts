// One dialog the edge answered (RFC 3261 §12-15): its 2xx re-sent on Timer G until the ACK (Timer H ends the call
// with a BYE, §13.3.1.4), re-INVITE / UPDATE answered (491 on glare, 500 out of order), the session timer
// (RFC 4028), and the requests we send in it (BYE, REFER, a refresh re-INVITE) as client transactions.
import { randomBytes, randomInt } from 'node:crypto';
import type { EndReason } from '../runtime/call-events.ts';
import type { Call } from '../runtime/call.ts';
import type { Logger } from '../util/log.ts';
import type { Clock, Timer } from './clock.ts';
import { buildDialogRequest, type ResponseOptions } from './sip-build.ts';
import { cseqOf, header, type SipRequest, type SipResponse } from './sip-message.ts';
import { buildSdpAnswer, parseSdpOffer } from './sdp.ts';
import { negotiateSession, SessionTimer, type SessionTimerSettings } from './session-timer.ts';
import { Retransmitter, type Address, type ClientTransactions, type SendDatagram, type SipTimers } from './transactions.ts';
import type { RtpMedia } from './rtp-media.ts';

/** What a SIP dialog needs of a call. */
export type SipCall = Pick<Call, 'pushAudio' | 'onDtmf' | 'reportMedia' | 'onMark' | 'end' | 'on'>;

export interface DialogContext {
  clock: Clock;
  timers: SipTimers;
  session: SessionTimerSettings;
  local: { host: string; port: number };
  send: SendDatagram;
  client: ClientTransactions;
  log: Logger;
  /** The dialog is over: forget it. */
  onEnded(dialog: SipDialog): void;
}

export interface DialogAnswer {
  status: number;
  options: ResponseOptions;
}

export class SipDialog {
  readonly callId: string;
  readonly toTag = randomBytes(6).toString('hex');
  readonly remote: Address;
  readonly invite: SipRequest;
  media: RtpMedia | null = null;
  call: SipCall | null = null;
  /** Our SDP (the 2xx's body), offered again in a refresh. */
  localSdp = '';
  localRtpPort = 0;
  ended = false;
  readonly #ctx: DialogContext;
  readonly #session: SessionTimer;
  #cseq = 0;
  #remoteCseq: number;
  /** A 2xx of ours waiting for its ACK. */
  #unacked: { cseq: number; retransmitter: Retransmitter } | null = null;
  /** Our refresh re-INVITE is out: a re-INVITE from the caller now is glare (491). */
  #inviting = false;
  #retry: Timer | null = null;

  constructor(ctx: DialogContext, invite: SipRequest, remote: Address) {
    this.#ctx = ctx;
    this.invite = invite;
    this.remote = remote;
    this.callId = header(invite, 'call-id');
    this.#remoteCseq = cseqOf(invite).seq;
    this.#session = new SessionTimer(ctx.clock, {
      refresh: () => this.#refresh(),
      expired: () => this.hangup('timeout', 'session expired: the caller stopped refreshing (RFC 4028)'),
    });
  }

  get contact(): string {
    return `<sip:invorto@${this.#ctx.local.host}:${this.#ctx.local.port}>`;
  }

  /** Session-timer headers for the 2xx to `request`, or a 422 answer; starts the timer's clock when agreed. */
  agreeSession(request: SipRequest): { headers: Record<string, string> } | DialogAnswer {
    const agreed = negotiateSession(request, this.#ctx.session);
    if (agreed.kind === 'too-small') return { status: 422, options: { toTag: this.toTag, extra: { 'Min-SE': String(agreed.minSeS) } } };
    if (agreed.kind === 'none') return { headers: {} };
    this.#session.restart(agreed.intervalS, agreed.refresher);
    return { headers: { ...agreed.headers, Supported: 'timer' } };
  }

  /** Our 2xx to the INVITE with this CSeq went out (the transaction sent it): re-send it until its ACK. */
  awaitAck(response: Buffer, cseq: number): void {
    this.#unacked?.retransmitter.stop();
    const retransmitter = new Retransmitter(this.#ctx.clock, this.#ctx.timers, () => this.#ctx.send(response, this.remote), () => {
      this.#unacked = null;
      this.#ctx.log.warn({ callId: this.callId }, 'SIP: no ACK for our 200 OK in 64*T1 (Timer H): ending the call');
      this.hangup('timeout', 'no ACK for the 200 OK (RFC 3261 Timer H)');
    });
    this.#unacked = { cseq, retransmitter };
  }

  get awaitingAck(): boolean {
    return this.#unacked !== null;
  }

  ack(request: SipRequest): void {
    if (this.#unacked && this.#unacked.cseq === cseqOf(request).seq) {
      this.#unacked.retransmitter.stop();
      this.#unacked = null;
    }
  }

  /** A re-INVITE (hold, unhold, new media, a session refresh) or an UPDATE from the caller. */
  answerUpdate(request: SipRequest): DialogAnswer {
    const { seq } = cseqOf(request);
    const invite = request.method === 'INVITE';
    if (seq <= this.#remoteCseq) return { status: 500, options: { toTag: this.toTag, extra: { 'Retry-After': String(randomInt(0, 11)) } } };
    this.#remoteCseq = seq;
    // Glare (§14.2, RFC 3311 §5.2): our own refresh is in flight, or our last 2xx has no ACK yet.
    if (invite && (this.#inviting || this.#unacked)) return { status: 491, options: { toTag: this.toTag } };
    let body: string | undefined;
    if (request.body.trim()) {
      try {
        const answer = buildSdpAnswer(parseSdpOffer(request.body), { address: this.#ctx.local.host, port: this.localRtpPort, sessionId: randomInt(1, 2 ** 31) });
        if (!answer) return { status: 488, options: { toTag: this.toTag } };
        body = answer.body;
      } catch (error) {
        return { status: 488, options: { toTag: this.toTag, extra: { Warning: `399 invorto "${(error as Error).message.replace(/"/g, "'")}"` } } };
      }
    } else if (invite) {
      body = this.localSdp; // an offer-less re-INVITE: our 2xx offers, the ACK answers
    }
    const session = this.agreeSession(request);
    if ('status' in session) return session;
    return { status: 200, options: { toTag: this.toTag, contact: this.contact, body, extra: session.headers } };
  }

  /** We end the call: BYE to the caller (re-sent on Timer E until answered), then the media and runtime go. */
  hangup(reason: EndReason, detail: string): void {
    if (this.ended) return;
    try {
      this.#request('BYE', {}, (response) => {
        if (!response) this.#ctx.log.warn({ callId: this.callId }, 'SIP: our BYE was not answered in 64*T1 (Timer F)');
      });
    } catch (error) {
      // A BYE we cannot build from what the caller sent: the caller is not told, but the call still ends here.
      this.#ctx.log.error({ callId: this.callId, err: (error as Error).message }, 'SIP: could not send our BYE');
    }
    this.end(reason, detail);
  }

  /** Blind transfer (RFC 3515): the carrier calls `target` and, once connected, ends this dialog with a BYE. */
  refer(target: string): void {
    const uri = /^(sips?|tel):/.test(target) ? target : /^\+?[\d-]+$/.test(target) ? `tel:${target.replace(/-/g, '')}` : `sip:${target}`;
    this.#request('REFER', { 'Refer-To': `<${uri}>`, 'Referred-By': this.contact }, (response) => {
      if (!response || response.status >= 300) {
        this.#ctx.log.warn({ callId: this.callId, status: response?.status ?? 'timeout (Timer F)' }, 'SIP: the carrier did not accept our REFER; the call goes on');
      }
    });
  }

  /** The dialog is over: timers stop, the call and media close, exactly once. */
  end(reason: EndReason, detail: string): void {
    if (this.ended) return;
    this.ended = true;
    this.#unacked?.retransmitter.stop();
    this.#unacked = null;
    this.#session.stop();
    this.#retry?.cancel();
    this.#ctx.onEnded(this);
    this.call?.end(reason, detail);
    this.media?.close();
  }

  /** We are the refresher (RFC 4028 §7.4): the same SDP again in a re-INVITE; 491 is retried, a failure ends the call. */
  #refresh(): void {
    if (this.ended) return;
    if (this.#unacked || this.#inviting) {
      this.#retry = this.#ctx.clock.setTimer(() => this.#refresh(), randomInt(0, 2001));
      return;
    }
    this.#inviting = true;
    const intervalS = this.#session.intervalS;
    this.#request('INVITE', { 'Session-Expires': `${intervalS};refresher=uas`, Supported: 'timer' }, (response) => {
      this.#inviting = false;
      if (this.ended) return;
      if (response && response.status < 300) {
        const agreed = Number(/^\s*(\d+)/.exec(header(response, 'session-expires'))?.[1] ?? intervalS);
        this.#session.restart(agreed, 'uas');
      } else if (response?.status === 491) {
        // We did not make the Call-ID, so we wait 0-2 s (§14.1).
        this.#retry = this.#ctx.clock.setTimer(() => this.#refresh(), randomInt(0, 2001));
      } else if (!response || response.status === 408 || response.status === 481) {
        // No answer in 64*T1, or the far end no longer knows the dialog (RFC 5057 §5.1): it is gone.
        this.hangup('timeout', `session refresh failed (${response ? response.status : 'no answer'})`);
      } else {
        // The far end is there but refuses re-INVITEs: the call goes on, and the next refresh asks again.
        this.#ctx.log.warn({ callId: this.callId, status: response.status }, 'SIP: session refresh refused; asking again in half an interval');
        this.#session.restart(intervalS, 'uas');
      }
    }, this.localSdp);
  }

  #request(method: 'BYE' | 'REFER' | 'INVITE', extra: Record<string, string>, onFinal: (response: SipResponse | null) => void, body?: string): void {
    this.#cseq += 1;
    const cseq = this.#cseq;
    const branch = randomBytes(8).toString('hex');
    const build = (m: 'BYE' | 'REFER' | 'INVITE' | 'ACK', b: string, rest: Partial<Parameters<typeof buildDialogRequest>[2]> = {}) =>
      buildDialogRequest(this.invite, m, { toTag: this.toTag, cseq, branch: b, local: this.#ctx.local, ...rest });
    const datagram = build(method, branch, { extra, body });
    // An INVITE's final response is ACKed: a 2xx in a new transaction (§13.2.2.4), any other in this one (§17.1.1.3).
    const ack = method === 'INVITE' ? (response: SipResponse) => build('ACK', response.status < 300 ? randomBytes(8).toString('hex') : branch) : undefined;
    this.#ctx.client.request(datagram, method, this.remote, onFinal, ack);
  }
}
