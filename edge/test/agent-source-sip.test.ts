// A SIP INVITE to a phone number reaches that number's agent (of that number's tenant); an unknown number gets SIP
// 404 and a log line saying what to do; a user that is not a number still names the agent, as before.
import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { SipServer, type SipCallHost } from '../src/sip/sip-server.ts';
import type { SipCall } from '../src/sip/sip-dialog.ts';
import type { NumberRoute } from '../src/agents/agent-source.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts fake calls and remembers whose agent each one got. */
class FakeHost implements SipCallHost {
  full = false;
  started: { tenantId: string; agentId: string }[] = [];
  async startCall(params: { tenantId: string; agentId: string }): Promise<SipCall | null> {
    this.started.push({ tenantId: params.tenantId, agentId: params.agentId });
    const events = new EventEmitter();
    const call = { pushAudio() {}, onDtmf() {}, reportMedia() {}, onMark() {}, end() {}, on: (n: string, fn: () => void) => { events.on(n, fn); return call; } };
    return call as unknown as SipCall;
  }
}

const SDP = ['v=0', 'o=caller 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');

function invite(user: string | null, to: string, callId: string, sipPort: number, peerPort: number): string {
  return [
    `INVITE sip:${user ? `${user}@` : ''}127.0.0.1:${sipPort} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${peerPort};branch=z9hG4bK${callId}`, 'Max-Forwards: 70',
    'From: <sip:carrier@127.0.0.1>;tag=c1', `To: <sip:${to}@127.0.0.1:${sipPort}>`, `Call-ID: ${callId}`, 'CSeq: 1 INVITE',
    `Contact: <sip:carrier@127.0.0.1:${peerPort}>`, 'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(SDP)}`, '', SDP,
  ].join('\r\n');
}

describe('SIP calls to phone numbers', () => {
  let host: FakeHost;
  let server: SipServer;
  let peer: Socket;
  let received: string[];
  let logs: Record<string, unknown>[];
  let lookups: string[];
  const numbers: Record<string, NumberRoute> = { '+14155550100': { tenantId: 'acme', agentId: 'sales' } };

  beforeEach(async () => {
    host = new FakeHost();
    received = [];
    logs = [];
    lookups = [];
    const log = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) });
    server = new SipServer({
      host: '127.0.0.1', port: 0, rtpPortMin: 45000, rtpPortMax: 45999, allow: ['127.0.0.1'], tenantId: 'default', edge: host, log,
      numbers: {
        async agentForNumber(e164) {
          lookups.push(e164);
          if (e164 === '+15555550199') throw new Error('control at http://127.0.0.1:9 is unreachable');
          return numbers[e164] ?? null;
        },
      },
    });
    await server.listen();
    peer = createSocket('udp4');
    await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
    peer.on('message', (m) => received.push(m.toString().split('\r\n')[0]));
  });
  afterEach(() => { server.close(); peer.close(); });

  const call = async (user: string | null, to: string, callId: string) => {
    peer.send(invite(user, to, callId, server.port, peer.address().port), server.port, '127.0.0.1');
    for (let i = 0; i < 200 && !received.some((r) => /^SIP\/2\.0 [2-6]\d\d/.test(r)); i++) await sleep(5);
    return received.find((r) => /^SIP\/2\.0 [2-6]\d\d/.test(r));
  };

  it('routes a request-URI number (with or without +) to its tenant\'s agent', async () => {
    expect(await call('+14155550100', 'x', 'n1')).toBe('SIP/2.0 200 OK');
    received = [];
    expect(await call('14155550100', 'x', 'n2')).toBe('SIP/2.0 200 OK');
    expect(host.started).toEqual([{ tenantId: 'acme', agentId: 'sales' }, { tenantId: 'acme', agentId: 'sales' }]);
    expect(lookups).toEqual(['+14155550100', '+14155550100']);
  });

  it("uses the To user when the request URI has none", async () => {
    expect(await call(null, '+14155550100', 'n3')).toBe('SIP/2.0 200 OK');
    expect(host.started).toEqual([{ tenantId: 'acme', agentId: 'sales' }]);
  });

  it('answers an unknown number with 404 and a log line naming it', async () => {
    expect(await call('+14155550111', 'x', 'n4')).toBe('SIP/2.0 404 Not Found');
    expect(host.started).toEqual([]);
    expect(logs).toContainEqual(expect.objectContaining({ dialled: '+14155550111', msg: expect.stringContaining('no agent answers +14155550111 (add the number with POST /v1/numbers)') }));
    expect(server.dialogs).toBe(0);
  });

  it('answers 503 (try again) when the number cannot be looked up', async () => {
    expect(await call('+15555550199', 'x', 'n5')).toBe('SIP/2.0 503 Service Unavailable');
    expect(logs).toContainEqual(expect.objectContaining({ msg: 'SIP INVITE refused: could not look up +15555550199' }));
  });

  it('still takes a user that is not a number as the agent id of the SIP tenant', async () => {
    expect(await call('demo', 'demo', 'n6')).toBe('SIP/2.0 200 OK');
    expect(host.started).toEqual([{ tenantId: 'default', agentId: 'demo' }]);
    expect(lookups).toEqual([]);
  });
});
