// The SIP transaction layer on fake time: the exact send times of Timer G/H, E/F, the CANCEL/200 race, 481/487,
// re-INVITE glare (491), session timers (RFC 4028) and 400 for malformed requests. A real UDP socket plays the
// carrier; only the clock is fake, so a 64 s schedule runs in well under a second and reads off exactly.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/sip/clock.ts';
import { SipServer } from '../src/sip/sip-server.ts';
import { silentLogger } from '../src/util/log.ts';
import { answer, FakeHost, Peer, req, SDP, sleep, tagOf } from './helpers/sip-peer.ts';

describe('SIP transactions (fake clock)', () => {
  let clock: ManualClock;
  let host: FakeHost;
  let server: SipServer;
  let peer: Peer;
  const start = async (session = { expiresS: 1800, minSeS: 90 }) => {
    server = new SipServer({ host: '127.0.0.1', port: 0, rtpPortMin: 46000, rtpPortMax: 46999, allow: ['127.0.0.1'], tenantId: 't', edge: host, log: silentLogger, clock, session });
    await server.listen();
  };
  /** Moves the fake clock from timer to timer up to `toMs`, letting each datagram land before the next. */
  const runUntil = async (toMs: number) => {
    for (;;) {
      const next = clock.nextAtMs();
      if (next === null || next > toMs) break;
      clock.advance(next - clock.now());
      await sleep(4);
    }
    clock.advance(toMs - clock.now());
    await sleep(4);
  };
  const invite = (callId: string, extra: string[] = [], branch = `${callId}-1`) => req('INVITE', { callId, sip: server.port, peer: peer.port, cseq: 1, branch, extra, body: SDP });
  /** Sends an INVITE and returns the 200 that answers it (the call is up, its ACK not yet sent). */
  const answered = async (callId: string) => {
    peer.send(invite(callId), server.port);
    return (await peer.until(/^SIP\/2\.0 200/))!.text;
  };

  beforeEach(async () => {
    clock = new ManualClock();
    host = new FakeHost();
    peer = new Peer(clock);
    await peer.open();
  });
  afterEach(() => { server.close(); peer.close(); });

  it('re-sends a 200 OK on Timer G until Timer H, then ends the call with a BYE re-sent on Timer E until Timer F', async () => {
    await start();
    peer.send(invite('h1'), server.port);
    await peer.until(/^SIP\/2\.0 200/);
    expect(peer.received.map((r) => r.first)).toEqual(['SIP/2.0 100 Trying', 'SIP/2.0 180 Ringing', 'SIP/2.0 200 OK']);
    await runUntil(70_000);
    // RFC 3261 §13.3.1.4: T1 = 500 ms doubling to T2 = 4 s; given up at 64*T1 = 32 s.
    expect(peer.times(/^SIP\/2\.0 200/)).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    // The BYE at Timer H, re-sent on Timer E (§17.1.2.2) and given up at Timer F, 64*T1 after it was first sent.
    expect(peer.times(/^BYE /)).toEqual([32000, 32500, 33500, 35500, 39500, 43500, 47500, 51500, 55500, 59500, 63500]);
    expect(host.ended).toEqual([{ callId: 'h1', reason: 'timeout', detail: 'no ACK for the 200 OK (RFC 3261 Timer H)' }]);
    expect(server.dialogs).toBe(0);
    expect(server.transactions.client).toBe(0);
  });

  it('stops re-sending the 200 at the ACK, stops the BYE at its 200, and answers a re-sent BYE again after the dialog is gone', async () => {
    await start();
    const ok = await answered('a1');
    await runUntil(600);
    peer.send(req('ACK', { callId: 'a1', sip: server.port, peer: peer.port, cseq: 1, branch: 'a1-ack', toTag: tagOf(ok) }), server.port);
    await sleep(20);
    await runUntil(40_000);
    expect(peer.times(/^SIP\/2\.0 200/)).toEqual([0, 500]);
    expect(server.dialogs).toBe(1);
    const bye = req('BYE', { callId: 'a1', sip: server.port, peer: peer.port, cseq: 2, branch: 'a1-bye', toTag: tagOf(ok) });
    peer.send(bye, server.port);
    await peer.until(/^SIP\/2\.0 200 OK[\s\S]*CSeq: 2 BYE/);
    expect(server.dialogs).toBe(0);
    // Our 200 was lost, say: the carrier's BYE comes again and gets the same 200, not a 481 (Timer J).
    peer.send(bye, server.port);
    await peer.until(/CSeq: 2 BYE/, 2);
    expect(peer.received.filter((r) => /CSeq: 2 BYE/.test(r.text)).map((r) => r.first)).toEqual(['SIP/2.0 200 OK', 'SIP/2.0 200 OK']);
    expect(host.ended.map((e) => e.reason)).toEqual(['caller_hangup']);
    await runUntil(80_000);
    expect(server.transactions).toEqual({ server: 0, client: 0 });
  });

  it('a REFER (transfer) is re-sent on Timer E until the carrier answers; an unanswered one gives up at Timer F and the call goes on', async () => {
    await start();
    const ok = await answered('t1');
    peer.send(req('ACK', { callId: 't1', sip: server.port, peer: peer.port, cseq: 1, branch: 't1-ack', toTag: tagOf(ok) }), server.port);
    await sleep(20);
    const base = clock.now();
    host.outputs.get('t1')!.transfer!('+1-555-0100');
    const refer = (await peer.until(/^REFER /))!.text;
    expect(refer).toMatch(/^Refer-To: <tel:\+15550100>$/m);
    await runUntil(base + 3600);
    expect(peer.times(/^REFER /).map((t) => t - base)).toEqual([0, 500, 1500, 3500]);
    peer.send(answer(refer, 202, 'Accepted'), server.port);
    await sleep(20);
    await runUntil(base + 40_000);
    expect(peer.times(/^REFER /).map((t) => t - base)).toEqual([0, 500, 1500, 3500]);
    // A second transfer nobody answers: Timer E to T2, Timer F at 64*T1, then the call is still up.
    const second = clock.now();
    host.outputs.get('t1')!.transfer!('sip:desk@example.com');
    await peer.until(/^REFER [\s\S]*desk@example\.com/);
    await runUntil(second + 70_000);
    expect(peer.times(/desk@example\.com/).map((t) => t - second)).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(server.transactions.client).toBe(0);
    expect(server.dialogs).toBe(1);
    expect(host.ended).toEqual([]);
  });

  it('CANCEL before the 200: 200 to the CANCEL, 487 to the INVITE re-sent until its ACK, no call left', async () => {
    await start();
    let open!: () => void;
    host.gate = new Promise((r) => { open = r; });
    peer.send(invite('c1'), server.port);
    await peer.until(/^SIP\/2\.0 100/);
    peer.send(req('CANCEL', { callId: 'c1', sip: server.port, peer: peer.port, cseq: 1, branch: 'c1-1' }), server.port);
    const terminated = (await peer.until(/^SIP\/2\.0 487/))!.text;
    expect(peer.last(/CSeq: 1 CANCEL/)!.first).toBe('SIP/2.0 200 OK');
    await runUntil(1600);
    expect(peer.times(/^SIP\/2\.0 487/)).toEqual([0, 500, 1500]); // Timer G
    peer.send(req('ACK', { callId: 'c1', sip: server.port, peer: peer.port, cseq: 1, branch: 'c1-1', toTag: tagOf(terminated) }), server.port);
    await sleep(20);
    await runUntil(40_000);
    expect(peer.times(/^SIP\/2\.0 487/)).toEqual([0, 500, 1500]);
    open();
    await sleep(30);
    expect(server.dialogs).toBe(0);
    expect(host.ended.map((e) => e.reason)).toEqual(['caller_hangup']); // the call that started late was ended at once
    expect(peer.times(/^SIP\/2\.0 200 OK[\s\S]*CSeq: 1 INVITE/)).toEqual([]);
  });

  it('CANCEL racing the 200 (after it): 200 to the CANCEL, no 487, the call goes on until BYE', async () => {
    await start();
    const ok = await answered('r1');
    peer.send(req('CANCEL', { callId: 'r1', sip: server.port, peer: peer.port, cseq: 1, branch: 'r1-1' }), server.port);
    await peer.until(/CSeq: 1 CANCEL/);
    expect(peer.last(/CSeq: 1 CANCEL/)!.first).toBe('SIP/2.0 200 OK');
    peer.send(req('ACK', { callId: 'r1', sip: server.port, peer: peer.port, cseq: 1, branch: 'r1-ack', toTag: tagOf(ok) }), server.port);
    await sleep(20);
    expect(peer.times(/^SIP\/2\.0 487/)).toEqual([]);
    expect(server.dialogs).toBe(1);
    expect(host.ended).toEqual([]);
    peer.send(req('BYE', { callId: 'r1', sip: server.port, peer: peer.port, cseq: 2, branch: 'r1-bye', toTag: tagOf(ok) }), server.port);
    await peer.until(/CSeq: 2 BYE/);
    expect(server.dialogs).toBe(0);
  });

  it('481 for requests on dialogs and transactions it does not know', async () => {
    await start();
    const ok = await answered('k1');
    const base = { sip: server.port, peer: peer.port };
    peer.send(req('BYE', { ...base, callId: 'nobody', cseq: 1, branch: 'n1', toTag: 'x' }), server.port);
    peer.send(req('BYE', { ...base, callId: 'k1', cseq: 2, branch: 'n2', toTag: 'not-ours' }), server.port);
    peer.send(req('CANCEL', { ...base, callId: 'k1', cseq: 5, branch: 'no-such-invite' }), server.port);
    peer.send(req('INVITE', { ...base, callId: 'gone', cseq: 2, branch: 'n4', toTag: 'x', body: SDP }), server.port);
    peer.send(req('UPDATE', { ...base, callId: 'gone', cseq: 3, branch: 'n5', toTag: 'x' }), server.port);
    await peer.until(/^SIP\/2\.0 481/, 5);
    expect(peer.received.filter((r) => r.first.startsWith('SIP/2.0 481')).map((r) => /CSeq: (.*)/.exec(r.text)![1].trim()).sort())
      .toEqual(['1 BYE', '2 BYE', '2 INVITE', '3 UPDATE', '5 CANCEL']);
    expect(server.dialogs).toBe(1);
    expect(tagOf(ok)).toBeTruthy();
  });

  it('re-INVITE glare: 491 while our 200 waits for its ACK, or while our own refresh re-INVITE is out; 500 out of order', async () => {
    await start({ expiresS: 120, minSeS: 90 }); // the carrier does not do timers: we refresh (refresher=uas) every 60 s
    const ok = await answered('g1');
    expect(ok).toMatch(/Session-Expires: 120;refresher=uas/);
    const base = { callId: 'g1', sip: server.port, peer: peer.port, toTag: tagOf(ok) };
    peer.send(req('INVITE', { ...base, cseq: 2, branch: 'g1-2', body: SDP }), server.port);
    expect((await peer.until(/CSeq: 2 INVITE/))!.first).toBe('SIP/2.0 491 Request Pending');
    peer.send(req('ACK', { ...base, cseq: 1, branch: 'g1-ack' }), server.port);
    await sleep(20);
    peer.send(req('INVITE', { ...base, cseq: 1, branch: 'g1-old', body: SDP }), server.port);
    expect((await peer.until(/^SIP\/2\.0 500/))?.text).toMatch(/^SIP\/2\.0 500 Server Internal Error[\s\S]*CSeq: 1 INVITE[\s\S]*Retry-After: \d+/);
    // At 60 s our refresh re-INVITE goes out; the carrier's own re-INVITE crosses it and gets 491.
    await runUntil(60_000);
    const refresh = (await peer.until(/^INVITE /))!;
    expect(refresh.atMs).toBe(60_000);
    expect(refresh.text).toMatch(/Session-Expires: 120;refresher=uas/);
    peer.send(req('INVITE', { ...base, cseq: 3, branch: 'g1-3', body: SDP }), server.port);
    expect((await peer.until(/CSeq: 3 INVITE/))!.first).toBe('SIP/2.0 491 Request Pending');
    // Our refresh gets 491 too: retried within 2 s (we did not make the Call-ID, §14.1), then 200 and our ACK.
    peer.send(answer(refresh.text, 491, 'Request Pending'), server.port);
    await sleep(20);
    await runUntil(62_100);
    const retry = peer.received.filter((r) => r.first.startsWith('INVITE ')).at(-1)!;
    expect(retry.atMs).toBeGreaterThanOrEqual(60_000);
    expect(/CSeq: (\d+)/.exec(retry.text)![1]).not.toBe(/CSeq: (\d+)/.exec(refresh.text)![1]);
    peer.send(answer(retry.text, 200, 'OK', ['Session-Expires: 120;refresher=uas']), server.port);
    await peer.until(/^ACK /);
    expect(server.dialogs).toBe(1);
    expect(host.ended).toEqual([]);
  });

  it('session timers: the caller refreshes by UPDATE, then vanishes: the call ends with a BYE before the session expires', async () => {
    await start();
    peer.send(invite('s0', ['Supported: timer', 'Session-Expires: 30']), server.port);
    expect((await peer.until(/CSeq: 1 INVITE/))!.first).toBe('SIP/2.0 422 Session Interval Too Small');
    expect(peer.last(/^SIP\/2\.0 422/)!.text).toMatch(/Min-SE: 90/);
    peer.send(invite('s1', ['Supported: timer', 'Session-Expires: 90', 'Min-SE: 90']), server.port);
    const ok = (await peer.until(/^SIP\/2\.0 200[\s\S]*Call-ID: s1/))!.text;
    expect(ok).toMatch(/Session-Expires: 90;refresher=uac/);
    expect(ok).toMatch(/Require: timer/);
    const base = { callId: 's1', sip: server.port, peer: peer.port, toTag: tagOf(ok) };
    peer.send(req('ACK', { ...base, cseq: 1, branch: 's1-ack' }), server.port);
    await sleep(20);
    await runUntil(45_000);
    peer.send(req('UPDATE', { ...base, cseq: 2, branch: 's1-2', extra: ['Supported: timer', 'Session-Expires: 90;refresher=uac'] }), server.port);
    expect((await peer.until(/CSeq: 2 UPDATE/))!.text).toMatch(/^SIP\/2\.0 200 OK[\s\S]*Session-Expires: 90;refresher=uac/);
    await runUntil(200_000);
    // RFC 4028 §10: the BYE goes at the expiry less min(32 s, 90/3): 45 + 90 - 30 = 105 s.
    expect(peer.times(/^BYE /)[0]).toBe(105_000);
    expect(host.ended.filter((e) => e.callId === 's1')).toEqual([{ callId: 's1', reason: 'timeout', detail: 'session expired: the caller stopped refreshing (RFC 4028)' }]);
    expect(server.dialogs).toBe(0);
  });

  it('session timers as the refresher: our re-INVITE on Timer A; unanswered, Timer B ends the call; refused (501), the call goes on', async () => {
    await start({ expiresS: 120, minSeS: 90 });
    for (const callId of ['v1', 'v2']) {
      peer.send(invite(callId), server.port);
      const ok = (await peer.until(new RegExp(`^SIP/2\\.0 200[\\s\\S]*Call-ID: ${callId}`)))!.text;
      peer.send(req('ACK', { callId, sip: server.port, peer: peer.port, cseq: 1, branch: `${callId}-ack`, toTag: tagOf(ok) }), server.port);
    }
    await sleep(20);
    await runUntil(60_000);
    const v2 = (await peer.until(/^INVITE [\s\S]*Call-ID: v2/))!.text;
    peer.send(answer(v2, 501, 'Not Implemented'), server.port); // v2's far end is there but does not take re-INVITEs
    await sleep(20);
    await runUntil(100_000);
    // v1's far end vanished: Timer A doubles without a cap (§17.1.1.2), Timer B gives up at 64*T1 = 32 s, then BYE.
    expect(peer.times(/^INVITE [\s\S]*Call-ID: v1/)).toEqual([60_000, 60_500, 61_500, 63_500, 67_500, 75_500, 91_500]);
    expect(peer.times(/^BYE [\s\S]*Call-ID: v1/)[0]).toBe(92_000);
    expect(host.ended).toEqual([{ callId: 'v1', reason: 'timeout', detail: 'session refresh failed (no answer)' }]);
    expect(peer.times(/^ACK [\s\S]*Call-ID: v2/)).toEqual([60_000]); // the 501 was ACKed in its transaction
    expect(server.dialogs).toBe(1);
  });

  it('malformed requests get a 400 that says what is wrong, and the call in progress goes on', async () => {
    await start();
    const ok = await answered('m1');
    const base = { sip: server.port, peer: peer.port };
    peer.send(req('OPTIONS', { ...base, callId: 'x', cseq: 1, branch: 'b1' }).replace(/Call-ID: x\r\n/, ''), server.port);
    peer.send(req('OPTIONS', { ...base, callId: 'y', cseq: 1, branch: 'b2' }).replace('CSeq: 1 OPTIONS', 'CSeq: one OPTIONS'), server.port);
    peer.send(req('OPTIONS', { ...base, callId: 'z', cseq: 1, branch: 'b3' }).replace('Content-Length: 0', 'Content-Length: 500'), server.port);
    peer.send(req('OPTIONS', { ...base, callId: 'w', cseq: 1, branch: 'b4' }).replace('Max-Forwards: 70', 'this line has no colon'), server.port);
    peer.send('garbage that is not SIP', server.port);
    // A header folded onto a second line (§7.3.1) is not malformed.
    peer.send(req('OPTIONS', { ...base, callId: 'folded', cseq: 1, branch: 'b5' }).replace('Max-Forwards: 70', 'Subject: a subject that goes on\r\n  onto a second line'), server.port);
    await peer.until(/^SIP\/2\.0 400/, 4);
    expect((await peer.until(/Call-ID: folded/))!.first).toBe('SIP/2.0 200 OK');
    const bad = peer.received.filter((r) => r.first.startsWith('SIP/2.0 400')).map((r) => /Warning: 399 invorto "([^"]*)"/.exec(r.text)![1]);
    expect(bad.sort()).toEqual(['Content-Length does not match the body', 'bad CSeq \'one OPTIONS\'', 'bad header line \'this line has no colon\'', 'missing call-id header']);
    expect(server.rejected).toBe(5);
    peer.send(req('BYE', { ...base, callId: 'm1', cseq: 2, branch: 'm1-bye', toTag: tagOf(ok) }), server.port);
    expect((await peer.until(/CSeq: 2 BYE/))!.first).toBe('SIP/2.0 200 OK');
    expect(server.dialogs).toBe(0);
  });

  it('an INVITE whose Contact is no usable request URI is refused (400), before a call starts, so no BYE of ours can be malformed', async () => {
    await start();
    const contacts = ['<sip:carrier\u00a0x@127.0.0.1>', '<sip:caf\u00e9@127.0.0.1>', '<http://127.0.0.1/>'];
    contacts.forEach((contact, i) => peer.send(invite(`c${i}`).replace(/^Contact: .*$/m, `Contact: ${contact}`), server.port));
    await peer.until(/^SIP\/2\.0 400 Bad Contact URI/, contacts.length);
    expect(peer.received.map((r) => r.first)).toEqual(contacts.map(() => 'SIP/2.0 400 Bad Contact URI'));
    expect(host.outputs.size).toBe(0);
    expect(server.dialogs).toBe(0);
    expect((await answered('c-ok')).startsWith('SIP/2.0 200 OK')).toBe(true); // a good one still gets in
  });
});
