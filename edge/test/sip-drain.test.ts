// A draining edge (SIGTERM) keeps its SIP calls up until they end, and turns new work away where a SIP proxy can
// see it: OPTIONS probes (Kamailio's dispatcher keep-alive) and new INVITEs get 503, so no new call is sent to it.
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { SipServer } from '../src/sip/sip-server.ts';
import { startSipRig, type FakeHost, type Peer, req, SDP, sleep, tagOf } from './helpers/sip-peer.ts';

let rig: Awaited<ReturnType<typeof startSipRig>>;
let host: FakeHost;
let peer: Peer;
let server: SipServer;

beforeEach(async () => {
  rig = await startSipRig(47000);
  ({ host, peer, server } = rig);
});
afterEach(() => rig.close());

const probe = (branch: string, toTag?: string, callId = `probe-${branch}`) => req('OPTIONS', { callId, sip: server.port, peer: peer.port, cseq: 1, branch, toTag });
const answerTo = async (branch: string) => (await peer.until(new RegExp(`branch=z9hG4bK${branch}\\b`)))!.first;

it('answers OPTIONS 200 while open, then 503 to probes and new INVITEs while draining; the call in progress goes on to its BYE', async () => {
  peer.send(req('INVITE', { callId: 'up', sip: server.port, peer: peer.port, cseq: 1, branch: 'up-1', body: SDP }), server.port);
  const ok = (await peer.until(/^SIP\/2\.0 200/))!.text;
  peer.send(req('ACK', { callId: 'up', sip: server.port, peer: peer.port, cseq: 1, branch: 'up-ack', toTag: tagOf(ok) }), server.port);
  peer.send(probe('p-open'), server.port);
  expect(await answerTo('p-open')).toBe('SIP/2.0 200 OK');

  let drained: number | null = null;
  void server.drain(10_000).then((left) => { drained = left; });
  expect(server.draining).toBe(true);
  peer.send(probe('p-draining'), server.port);
  const refused = await peer.until(/branch=z9hG4bKp-draining\b/);
  expect(refused!.first).toBe('SIP/2.0 503 Service Unavailable');
  expect(refused!.text).toMatch(/^Retry-After: \d+/m);
  peer.send(req('INVITE', { callId: 'new', sip: server.port, peer: peer.port, cseq: 1, branch: 'new-1', body: SDP }), server.port);
  expect(await answerTo('new-1')).toBe('SIP/2.0 503 Service Unavailable');
  expect(host.outputs.has('new')).toBe(false); // no call was started for it

  // The call in progress is still served: an in-dialog OPTIONS is answered, and its BYE ends it normally.
  peer.send(probe('p-in-dialog', tagOf(ok), 'up'), server.port);
  expect(await answerTo('p-in-dialog')).toBe('SIP/2.0 200 OK');
  await sleep(200);
  expect(drained).toBeNull(); // still waiting for the call
  expect(host.ended).toEqual([]);
  peer.send(req('BYE', { callId: 'up', sip: server.port, peer: peer.port, cseq: 2, branch: 'up-bye', toTag: tagOf(ok) }), server.port);
  expect(await answerTo('up-bye')).toBe('SIP/2.0 200 OK');
  for (let i = 0; i < 100 && drained === null; i++) await sleep(20);
  expect(drained).toBe(0);
  expect(host.ended.map((e) => [e.callId, e.reason])).toEqual([['up', 'caller_hangup']]);
});

it('resolves at the limit with the calls still up', async () => {
  peer.send(req('INVITE', { callId: 'long', sip: server.port, peer: peer.port, cseq: 1, branch: 'long-1', body: SDP }), server.port);
  await peer.until(/^SIP\/2\.0 200/);
  expect(await server.drain(300)).toBe(1);
});
