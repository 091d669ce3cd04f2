// The carrier side of SIP tests on a real UDP socket with a fake clock: a call host of fakes, a peer that records
// every datagram with the clock's time, and builders for the requests and answers it sends.
import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { ManualClock } from '../../src/sip/clock.ts';
import { SipServer, type SipCallHost, type SipServerOptions } from '../../src/sip/sip-server.ts';
import { silentLogger } from '../../src/util/log.ts';
import type { SipCall } from '../../src/sip/sip-dialog.ts';
import type { CarrierOutput } from '../../src/transports/types.ts';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A call host whose calls are fakes: they record how they ended. */
export class FakeHost implements SipCallHost {
  full = false;
  ended: { callId: string; reason: string; detail: string }[] = [];
  /** When set, startCall waits for this (a CANCEL can race it). */
  gate: Promise<void> | null = null;
  /** Each call's carrier output, as the runtime would hold it (hang up, transfer). */
  outputs = new Map<string, CarrierOutput>();
  async startCall(params: { callId: string; output: CarrierOutput }): Promise<SipCall | null> {
    if (this.gate) await this.gate;
    this.outputs.set(params.callId, params.output);
    const events = new EventEmitter();
    let over = false;
    const call = {
      pushAudio() {}, onDtmf() {}, reportMedia() {}, onMark() {},
      end: (reason: string, detail = '') => {
        if (over) return;
        over = true;
        this.ended.push({ callId: params.callId, reason, detail });
        events.emit('ended', { reason, detail });
      },
      on: (name: string, fn: (...args: unknown[]) => void) => { events.on(name, fn); return call; },
    };
    return call as unknown as SipCall;
  }
}

export interface Received { atMs: number; text: string; first: string }

/** The carrier side: sends requests, records every datagram with the fake clock's time. */
export class Peer {
  socket: Socket = createSocket('udp4');
  received: Received[] = [];
  constructor(readonly clock: ManualClock) {}
  async open() {
    await new Promise<void>((r) => this.socket.bind(0, '127.0.0.1', () => r()));
    this.socket.on('message', (m) => { const text = m.toString(); this.received.push({ atMs: this.clock.now(), text, first: text.split('\r\n')[0] }); });
  }
  get port() { return this.socket.address().port; }
  send(text: string, to: number) { this.socket.send(text, to, '127.0.0.1'); }
  times(pattern: RegExp) { return this.received.filter((r) => pattern.test(r.text)).map((r) => r.atMs); }
  last(pattern: RegExp) { return this.received.filter((r) => pattern.test(r.text)).at(-1); }
  async until(pattern: RegExp, count = 1) {
    for (let i = 0; i < 300 && this.received.filter((r) => pattern.test(r.text)).length < count; i++) await sleep(5);
    return this.last(pattern);
  }
  close() { this.socket.close(); }
}

export const SDP = ['v=0', 'o=caller 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', ''].join('\r\n');

export function req(method: string, o: { callId: string; sip: number; peer: number; cseq: number; branch: string; toTag?: string; extra?: string[]; body?: string; cseqMethod?: string }): string {
  const body = o.body ?? '';
  return [
    `${method} sip:demo@127.0.0.1:${o.sip} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${o.peer};branch=z9hG4bK${o.branch}`, 'Max-Forwards: 70',
    'From: <sip:carrier@127.0.0.1>;tag=c1', `To: <sip:demo@127.0.0.1:${o.sip}>${o.toTag ? `;tag=${o.toTag}` : ''}`, `Call-ID: ${o.callId}`,
    `CSeq: ${o.cseq} ${o.cseqMethod ?? method}`, `Contact: <sip:carrier@127.0.0.1:${o.peer}>`, ...(o.extra ?? []),
    ...(body ? ['Content-Type: application/sdp'] : []), `Content-Length: ${Buffer.byteLength(body)}`, '', body,
  ].join('\r\n');
}

/** Our answer to a request the edge sent us (BYE, re-INVITE). */
export function answer(request: string, status: number, reason: string, extra: string[] = []): string {
  const keep = request.split('\r\n').filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l));
  return [`SIP/2.0 ${status} ${reason}`, ...keep, ...extra, 'Content-Length: 0', '', ''].join('\r\n');
}

export const tagOf = (text: string) => /^To:.*;tag=([^;\s]+)/m.exec(text)![1];

/** An edge's SIP server on loopback over a call host of fakes, and a carrier peer, on one fake clock. */
export async function startSipRig(rtpPortMin: number, options: Partial<SipServerOptions> = {}) {
  const clock = new ManualClock();
  const host = new FakeHost();
  const peer = new Peer(clock);
  await peer.open();
  const server = new SipServer({
    host: '127.0.0.1', port: 0, rtpPortMin, rtpPortMax: rtpPortMin + 999, allow: ['127.0.0.1'], tenantId: 't', edge: host, log: silentLogger, clock, ...options,
  });
  await server.listen();
  return { clock, host, peer, server, close: () => { server.close(); peer.close(); } };
}
