// A SIP user-agent server for carriers' trunks (RFC 3261, UDP): INVITE with an SDP offer -> 100, 180, 200 with our
// answer; ACK; BYE; CANCEL; OPTIONS; re-INVITE (hold/unhold). Each call gets an RTP port from a range and a call
// runtime through the edge. Only allow-listed source addresses are served (403 otherwise).
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { randomBytes, randomInt } from 'node:crypto';
import type { Call } from '../runtime/call.ts';
import type { EdgeServer } from '../server/edge-server.ts';
import type { Logger } from '../util/log.ts';
import { buildSdpAnswer, parseSdpOffer } from './sdp.ts';
import { buildDialogRequest, buildResponse, header, parseSipRequest, SipParseError, type SipRequest } from './sip-message.ts';
import { RtpMedia } from './rtp-media.ts';

export interface SipServerOptions {
  host: string;
  port: number;
  /** RTP ports are taken from [rtpPortMin, rtpPortMax]. */
  rtpPortMin: number;
  rtpPortMax: number;
  /** Source addresses served. */
  allow: string[];
  tenantId: string;
  edge: EdgeServer;
  log: Logger;
}

interface Dialog {
  callId: string;
  toTag: string;
  remote: RemoteInfo;
  /** CSeq of the requests we send in this dialog. */
  cseq: number;
  invite: SipRequest;
  lastResponse: Buffer;
  media: RtpMedia;
  call: Call | null;
  ended: boolean;
}

export class SipServer {
  readonly #options: SipServerOptions;
  readonly #dialogs = new Map<string, Dialog>();
  #socket: Socket | null = null;
  /** One 20 ms clock plays out every call's RTP, not a timer per call; it runs while there are dialogs. */
  #clock: NodeJS.Timeout | null = null;
  /** Datagrams refused as malformed. */
  rejected = 0;

  constructor(options: SipServerOptions) {
    this.#options = options;
  }

  get port(): number {
    return this.#socket?.address().port ?? 0;
  }

  get dialogs(): number {
    return this.#dialogs.size;
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

  close(): void {
    for (const dialog of [...this.#dialogs.values()]) {
      this.#sendInDialog(dialog, 'BYE'); // the caller hears a hang-up, not dead air
      this.#end(dialog, 'drain');
    }
    this.#socket?.close();
    this.#socket = null;
  }

  #send(datagram: Buffer, to: RemoteInfo): void {
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
    let request: SipRequest | null;
    try {
      request = parseSipRequest(datagram);
    } catch (error) {
      this.rejected++;
      if (error instanceof SipParseError) this.#options.log.warn({ from: from.address, reason: error.message }, 'SIP datagram rejected');
      return;
    }
    if (!request) return;
    if (!this.#options.allow.includes(from.address)) {
      this.#options.log.warn({ from: from.address }, 'SIP request from an address not on the allow-list');
      this.#send(buildResponse(request, 403), from);
      return;
    }
    const callId = header(request, 'call-id');
    const dialog = this.#dialogs.get(callId);
    switch (request.method) {
      case 'INVITE':
        if (dialog) this.#reinvite(dialog, request, from);
        else this.#invite(request, from).catch((error: Error) => this.#options.log.error({ err: error.message, callId }, 'SIP INVITE failed'));
        return;
      case 'ACK':
        return;
      case 'BYE':
        this.#send(buildResponse(request, dialog ? 200 : 481, { toTag: dialog?.toTag }), from);
        if (dialog) this.#end(dialog, 'caller_hangup');
        return;
      case 'CANCEL':
        this.#send(buildResponse(request, dialog ? 200 : 481, { toTag: dialog?.toTag }), from);
        if (dialog && !dialog.call) {
          this.#send(buildResponse(dialog.invite, 487, { toTag: dialog.toTag }), from);
          this.#end(dialog, 'caller_hangup');
        }
        return;
      case 'OPTIONS':
        this.#send(buildResponse(request, 200, { extra: { Allow: 'INVITE, ACK, BYE, CANCEL, OPTIONS, NOTIFY', Accept: 'application/sdp' } }), from);
        return;
      case 'NOTIFY':
        // Progress of a transfer we asked for (RFC 3515 §2.4.5): acknowledged; the carrier's BYE ends the dialog.
        this.#send(buildResponse(request, dialog ? 200 : 481, { toTag: dialog?.toTag }), from);
        return;
      default:
        this.#send(buildResponse(request, 501), from);
    }
  }

  async #invite(request: SipRequest, from: RemoteInfo): Promise<void> {
    const { edge, log } = this.#options;
    if (edge.full) {
      edge.metrics.calls.refused.inc({ reason: 'capacity' });
      this.#send(buildResponse(request, 486, { extra: { 'Retry-After': '5' } }), from);
      return;
    }
    let offer;
    try {
      offer = parseSdpOffer(request.body);
    } catch (error) {
      this.#send(buildResponse(request, 488, { extra: { Warning: `399 invorto "${(error as Error).message}"` } }), from);
      return;
    }
    let rtp: Socket;
    let rtcp: Socket;
    try {
      [rtp, rtcp] = await this.#bindRtp();
    } catch (error) {
      log.error({ err: (error as Error).message }, 'SIP call refused');
      this.#send(buildResponse(request, 503, { extra: { 'Retry-After': '5' } }), from);
      return;
    }
    const local = { address: this.#options.host, port: rtp.address().port, sessionId: randomInt(1, 2 ** 31) };
    const answer = buildSdpAnswer(offer, local);
    if (!answer) {
      rtp.close();
      rtcp.close();
      this.#send(buildResponse(request, 488, { extra: { Warning: '399 invorto "offer has neither PCMU nor PCMA"' } }), from);
      return;
    }
    const callId = header(request, 'call-id');
    const toTag = randomBytes(6).toString('hex');
    const contact = `<sip:invorto@${this.#options.host}:${this.port}>`;
    const dialog: Dialog = {
      callId, toTag, remote: from, cseq: 0, invite: request, call: null, ended: false,
      lastResponse: buildResponse(request, 100),
      media: new RtpMedia({
        socket: rtp, rtcpSocket: rtcp, payloadType: answer.payloadType, telephoneEvent: offer.telephoneEvent, remote: { address: offer.address, port: offer.port },
        onAudio: (pcm) => dialog.call?.pushAudio(pcm),
        onDtmf: (digit) => dialog.call?.onDtmf(digit),
        onPlayout: (frame) => dialog.call?.reportMedia('playout', frame),
        onDropped: (reason) => dialog.call?.reportMedia('mediaDropped', { reason, frames: 1 }),
      }),
    };
    this.#dialogs.set(callId, dialog);
    this.#clock ??= setInterval(() => { for (const d of this.#dialogs.values()) d.media.tick(); }, 20);
    this.#send(dialog.lastResponse, from);
    const agentId = /^sips?:([^@;]+)@/.exec(request.uri)?.[1] ?? 'demo';
    const format = { encoding: 'l16' as const, sampleRateHz: 8000 };
    const call = await edge.startCall({
      callId, transport: 'sip', tenantId: this.#options.tenantId, agentId,
      start: { carrierCallId: callId, streamId: callId, parameters: { from: header(request, 'from'), to: header(request, 'to') }, format },
      output: {
        format, chunkBytes: 320,
        writable: () => !dialog.ended,
        sendAudio: (chunk) => { if (!dialog.ended) dialog.media.send(chunk); return true; },
        // RTP has no playback acknowledgement: a mark counts as played when it is sent (audio is paced in real time).
        sendMark: (name) => { setImmediate(() => dialog.call?.onMark(name)); },
        clear: () => {},
        hangup: () => this.#hangup(dialog),
        transfer: (target) => this.#refer(dialog, target),
      },
      abandoned: () => dialog.ended,
    });
    if (!call) {
      if (!dialog.ended) {
        this.#send(buildResponse(request, 404, { toTag }), from);
        this.#end(dialog, 'error');
      }
      return;
    }
    dialog.call = call;
    call.on('ended', () => this.#hangup(dialog));
    this.#send(buildResponse(request, 180, { toTag, contact }), from);
    dialog.lastResponse = buildResponse(request, 200, { toTag, contact, body: answer.body });
    this.#send(dialog.lastResponse, from);
    log.info({ callId, agentId, payloadType: answer.payloadType, rtpPort: local.port }, 'SIP call answered');
  }

  /** A re-INVITE in the dialog (hold, unhold, refreshed media): answer with the same codec. */
  #reinvite(dialog: Dialog, request: SipRequest, from: RemoteInfo): void {
    if (header(request, 'cseq') === header(dialog.invite, 'cseq')) {
      this.#send(dialog.lastResponse, from); // a retransmitted INVITE: repeat our answer
      return;
    }
    try {
      const offer = parseSdpOffer(request.body);
      const answer = buildSdpAnswer(offer, { address: this.#options.host, port: this.port, sessionId: randomInt(1, 2 ** 31) });
      this.#send(buildResponse(request, answer ? 200 : 488, { toTag: dialog.toTag, body: answer?.body }), from);
    } catch {
      this.#send(buildResponse(request, 488, { toTag: dialog.toTag }), from);
    }
  }

  /** We end the call: BYE to the caller, then the dialog's media and runtime go. */
  #hangup(dialog: Dialog): void {
    if (dialog.ended) return;
    this.#sendInDialog(dialog, 'BYE');
    this.#end(dialog, 'agent_hangup');
  }

  /** Blind transfer (RFC 3515): the carrier calls `target` and, once connected, ends this dialog with a BYE. */
  #refer(dialog: Dialog, target: string): void {
    const uri = /^(sips?|tel):/.test(target) ? target : /^\+?[\d-]+$/.test(target) ? `tel:${target.replace(/-/g, '')}` : `sip:${target}`;
    this.#sendInDialog(dialog, 'REFER', { 'Refer-To': `<${uri}>`, 'Referred-By': `<sip:invorto@${this.#options.host}:${this.port}>` });
  }

  #sendInDialog(dialog: Dialog, method: 'BYE' | 'REFER', extra?: Record<string, string>): void {
    dialog.cseq += 1;
    const datagram = buildDialogRequest(dialog.invite, method, {
      toTag: dialog.toTag, cseq: dialog.cseq, branch: randomBytes(8).toString('hex'), local: { host: this.#options.host, port: this.port }, extra,
    });
    this.#send(datagram, dialog.remote);
  }

  #end(dialog: Dialog, reason: 'caller_hangup' | 'agent_hangup' | 'drain' | 'error'): void {
    if (dialog.ended) return;
    dialog.ended = true;
    this.#dialogs.delete(dialog.callId);
    if (this.#dialogs.size === 0 && this.#clock) {
      clearInterval(this.#clock);
      this.#clock = null;
    }
    dialog.call?.end(reason, `SIP dialog ended (${reason})`);
    dialog.media.close();
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
