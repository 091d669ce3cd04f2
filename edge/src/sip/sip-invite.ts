// A new call by INVITE (RFC 3261 §13.3): digest authentication when the trunk needs it, then 100, the SDP offer
// read, an RTP port pair bound, the call started through the call host, 180 and the 2xx with our answer, which
// the dialog re-sends until the ACK. A CANCEL while the call starts ends it with 487 (the server handles that).
import type { Socket, RemoteInfo } from 'node:dgram';
import { randomBytes, randomInt } from 'node:crypto';
import type { CallStart, CarrierOutput } from '../transports/types.ts';
import type { DigestAuth } from './digest-auth.ts';
import { buildResponse, isRequestUri, remoteTarget, type ResponseOptions } from './sip-build.ts';
import { cseqOf, header, type SipRequest } from './sip-message.ts';
import { buildSdpAnswer, parseSdpOffer, type SdpOffer } from './sdp.ts';
import { SipDialog, type DialogContext, type SipCall } from './sip-dialog.ts';
import type { ServerTransactions } from './transactions.ts';
import { RtpMedia } from './rtp-media.ts';
import { asE164 } from '../agents/e164.ts';
import type { NumberRoute } from '../agents/agent-source.ts';

/** What SIP needs of the node that hosts calls (the edge's call host). */
export interface SipCallHost {
  readonly full: boolean;
  startCall(params: { callId: string; transport: string; start: CallStart; tenantId: string; agentId: string; output: CarrierOutput; abandoned?: () => boolean; refused?: (reason: string) => void }): Promise<SipCall | null>;
  /** Refusals are counted here when the host has metrics. */
  readonly metrics?: { calls: { refused: { inc(labels: { reason: string }): void } } };
}

export interface InviteContext extends DialogContext {
  host: SipCallHost;
  tenantId: string;
  /** Which tenant's agent a dialled E.164 number reaches (control's phone numbers); none: the URI user names the agent. */
  numbers?: { agentForNumber(e164: string): Promise<NumberRoute | null> };
  auth: DigestAuth | null;
  transactions: ServerTransactions;
  bindRtp(): Promise<[Socket, Socket]>;
  /** The dialog exists (its media is played out by the node's 20 ms clock from now on). */
  register(dialog: SipDialog): void;
}

type Transaction = ReturnType<ServerTransactions['open']>;

export async function answerInvite(ctx: InviteContext, request: SipRequest, from: RemoteInfo, txn: Transaction): Promise<void> {
  const { host, log } = ctx;
  const respond = (status: number, options: ResponseOptions = {}) => {
    const response = buildResponse(request, status, options);
    ctx.transactions.respond(txn, response, status);
    return response;
  };
  if (ctx.auth?.required(from.address)) {
    const verdict = ctx.auth.verify(request, from.address);
    if (verdict === 'forbidden') {
      host.metrics?.calls.refused.inc({ reason: 'auth' });
      log.warn({ from: from.address, callId: header(request, 'call-id') }, 'SIP INVITE refused: wrong digest credentials');
      respond(403, { toTag: randomBytes(6).toString('hex') });
      return;
    }
    if (verdict !== 'ok') {
      respond(401, { toTag: randomBytes(6).toString('hex'), extra: { 'WWW-Authenticate': ctx.auth.challenge(verdict === 'stale') } });
      return;
    }
  }
  if (host.full) {
    host.metrics?.calls.refused.inc({ reason: 'capacity' });
    respond(486, { extra: { 'Retry-After': '5' } });
    return;
  }
  if (!isRequestUri(remoteTarget(request))) {
    log.warn({ from: from.address, callId: header(request, 'call-id') }, 'SIP INVITE refused: its Contact is not a usable SIP URI');
    respond(400, { reason: 'Bad Contact URI' });
    return;
  }
  let offer: SdpOffer;
  try {
    offer = parseSdpOffer(request.body);
  } catch (error) {
    respond(488, { extra: { Warning: `399 invorto "${(error as Error).message.replace(/"/g, "'")}"` } });
    return;
  }
  respond(100);
  // The request URI's user (else the To's) picks the agent: an E.164 number rings its tenant's agent, else it is an agent id.
  const user = /^sips?:([^@;]+)@/.exec(request.uri)?.[1] ?? /<?sips?:([^@;>]+)@/.exec(header(request, 'to') ?? '')?.[1];
  const dialled = asE164(user);
  let route: NumberRoute | null | Error = { tenantId: ctx.tenantId, agentId: user ?? 'demo' };
  if (dialled && ctx.numbers) {
    route = await ctx.numbers.agentForNumber(dialled).catch((error: Error) => error);
    if (!route || route instanceof Error) {
      const callId = header(request, 'call-id');
      if (route) log.error({ err: route.message, dialled, callId }, `SIP INVITE refused: could not look up ${dialled}`);
      else log.warn({ dialled, callId, from: from.address }, `SIP INVITE refused: no agent answers ${dialled} (add the number with POST /v1/numbers)`);
      if (txn.status < 200) respond(route ? 503 : 404, { toTag: randomBytes(6).toString('hex'), ...(route ? { extra: { 'Retry-After': '5' } } : {}) });
      return;
    }
  }
  let rtp: Socket;
  let rtcp: Socket;
  try {
    [rtp, rtcp] = await ctx.bindRtp();
  } catch (error) {
    log.error({ err: (error as Error).message }, 'SIP call refused');
    respond(503, { extra: { 'Retry-After': '5' } });
    return;
  }
  if (txn.status >= 200) { // cancelled (487 sent) while the ports were bound
    rtp.close();
    rtcp.close();
    return;
  }
  const local = { address: ctx.local.host, port: rtp.address().port, sessionId: randomInt(1, 2 ** 31) };
  const answer = buildSdpAnswer(offer, local);
  if (!answer) {
    rtp.close();
    rtcp.close();
    respond(488, { extra: { Warning: '399 invorto "offer has neither PCMU nor PCMA"' } });
    return;
  }
  const dialog = new SipDialog(ctx, request, from);
  dialog.localSdp = answer.body;
  dialog.localRtpPort = local.port;
  dialog.media = new RtpMedia({
    socket: rtp, rtcpSocket: rtcp, payloadType: answer.payloadType, telephoneEvent: offer.telephoneEvent, remote: { address: offer.address, port: offer.port },
    onAudio: (pcm) => dialog.call?.pushAudio(pcm),
    onDtmf: (digit) => dialog.call?.onDtmf(digit),
    onPlayout: (frame) => dialog.call?.reportMedia('playout', frame),
    onDropped: (reason) => dialog.call?.reportMedia('mediaDropped', { reason, frames: 1 }),
  });
  const session = dialog.agreeSession(request);
  if ('status' in session) {
    respond(session.status, session.options);
    dialog.end('error', 'session interval too small');
    return;
  }
  ctx.register(dialog);
  const callId = dialog.callId;
  const { tenantId, agentId } = route;
  const format = { encoding: 'l16' as const, sampleRateHz: 8000 };
  const call = await host.startCall({
    callId, transport: 'sip', tenantId, agentId,
    start: { carrierCallId: callId, streamId: callId, parameters: { from: header(request, 'from'), to: header(request, 'to') }, format },
    output: {
      format, chunkBytes: 320,
      writable: () => !dialog.ended,
      sendAudio: (chunk) => { if (!dialog.ended) dialog.media?.send(chunk); return true; },
      // RTP has no playback acknowledgement: a mark counts as played when it is sent (audio is paced in real time).
      sendMark: (name) => { setImmediate(() => dialog.call?.onMark(name)); },
      clear: () => {},
      hangup: () => dialog.hangup('agent_hangup', 'the agent ended the call'),
      transfer: (target) => dialog.refer(target),
    },
    abandoned: () => dialog.ended,
    // Over budget: 403 with the reason as its phrase, which the carrier shows and logs.
    refused: (reason) => {
      if (txn.status < 200) respond(403, { toTag: dialog.toTag, reason });
      dialog.end('error', `refused: ${reason}`);
    },
  });
  if (!call) {
    if (!dialog.ended) {
      respond(404, { toTag: dialog.toTag });
      dialog.end('error', 'no agent for this call');
    }
    return;
  }
  if (dialog.ended) {
    call.end('caller_hangup', 'SIP INVITE cancelled while the call started');
    return;
  }
  dialog.call = call;
  call.on('ended', () => dialog.hangup('agent_hangup', 'the call ended'));
  respond(180, { toTag: dialog.toTag, contact: dialog.contact });
  const ok = respond(200, { toTag: dialog.toTag, contact: dialog.contact, body: answer.body, extra: { ...session.headers, Allow: ALLOW } });
  dialog.awaitAck(ok, cseqOf(request).seq);
  log.info({ callId, agentId, payloadType: answer.payloadType, rtpPort: local.port }, 'SIP call answered');
}

export const ALLOW = 'INVITE, ACK, BYE, CANCEL, OPTIONS, NOTIFY, UPDATE, INFO';
