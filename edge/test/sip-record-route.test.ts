// Behind a record-routing proxy (Kamailio spreading calls over edges), the edge keeps the proxy in the dialog: its
// 180 and 200 carry the INVITE's Record-Route back, and its own in-dialog requests (BYE) carry it as Route headers,
// in the same order (RFC 3261 §12.1.1). Without that the caller's ACK and BYE, sent through the proxy, were lost.
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { SipServer } from '../src/sip/sip-server.ts';
import { startSipRig, type FakeHost, type Peer, req, SDP, tagOf } from './helpers/sip-peer.ts';

let rig: Awaited<ReturnType<typeof startSipRig>>;
let host: FakeHost;
let peer: Peer;
let server: SipServer;

beforeEach(async () => {
  rig = await startSipRig(48000);
  ({ host, peer, server } = rig);
});
afterEach(() => rig.close());

const ROUTES = ['<sip:127.0.0.1:5070;lr;ftag=c1>', '<sip:10.0.0.9;lr>, <sip:10.0.0.8;lr>'];

it('echoes Record-Route in the 180 and 200, and routes its own BYE through the same proxies in order', async () => {
  const extra = ROUTES.map((r) => `Record-Route: ${r}`);
  peer.send(req('INVITE', { callId: 'rr', sip: server.port, peer: peer.port, cseq: 1, branch: 'rr-1', extra, body: SDP }), server.port);
  const ok = (await peer.until(/^SIP\/2\.0 200/))!.text;
  const ringing = peer.last(/^SIP\/2\.0 180/)!.text;
  const trying = peer.last(/^SIP\/2\.0 100/)!.text;
  const headers = (text: string, name: string) => text.split('\r\n').filter((l) => l.startsWith(`${name}: `)).map((l) => l.slice(name.length + 2));
  expect(headers(ok, 'Record-Route')).toEqual(ROUTES);
  expect(headers(ringing, 'Record-Route')).toEqual(ROUTES);
  expect(headers(trying, 'Record-Route')).toEqual([]); // 100 sets up no dialog
  peer.send(req('ACK', { callId: 'rr', sip: server.port, peer: peer.port, cseq: 1, branch: 'rr-ack', toTag: tagOf(ok) }), server.port);

  host.outputs.get('rr')!.hangup('done'); // the agent ends the call
  const bye = (await peer.until(/^BYE /))!.text;
  expect(bye.split('\r\n')[0]).toBe(`BYE sip:carrier@127.0.0.1:${peer.port} SIP/2.0`); // the caller's Contact
  expect(headers(bye, 'Route')).toEqual(ROUTES);
});

it('sends no Route header in a dialog set up without a proxy', async () => {
  peer.send(req('INVITE', { callId: 'direct', sip: server.port, peer: peer.port, cseq: 1, branch: 'd-1', body: SDP }), server.port);
  const ok = (await peer.until(/^SIP\/2\.0 200/))!.text;
  expect(ok).not.toMatch(/^Record-Route:/m);
  host.outputs.get('direct')!.hangup('done');
  expect((await peer.until(/^BYE /))!.text).not.toMatch(/^Route:/m);
});
