// SIP on a lossy trunk: a sipp UAC places 100 calls through a loopback relay that drops 15 % of the datagrams in
// each direction (fixed seed). With the transaction layer (200 re-sent until the ACK, retransmitted requests
// answered again) every call is set up and torn down, and no dialog is left on the edge; malformed requests sent
// meanwhile each get a 400 and disturb no call.
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEdge, type EdgeHarness } from './helpers/edge-harness.ts';
import { hasSipp, runSipp, sippCount, sippPort } from './helpers/sipp.ts';
import { LossyUdpProxy } from './helpers/sip-udp-proxy.ts';
import { readTimeline } from './helpers/timeline.ts';

const CALLS = 100;
const LOSS = 0.15;

describe.skipIf(!hasSipp)('SIP through a lossy relay (sipp)', () => {
  let harness: EdgeHarness;
  beforeAll(async () => { harness = await startTestEdge({}, { sip: true, maxCalls: 200 }); });
  afterAll(async () => { await harness.close(); });

  it(`${CALLS} calls with ${LOSS * 100} % of SIP datagrams dropped each way: all set up and torn down, no dialog left`, async () => {
    const sip = harness.edge.sip!;
    const proxy = new LossyUdpProxy({ address: '127.0.0.1', port: sip.port }, LOSS, 21);
    await proxy.open();
    // Meanwhile a broken peer sends malformed requests straight to the edge: each gets a 400, the calls go on.
    const broken = createSocket('udp4');
    await new Promise<void>((r) => broken.bind(0, '127.0.0.1', () => r()));
    const badAnswers: string[] = [];
    broken.on('message', (m) => badAnswers.push(m.toString().split('\r\n')[0]));
    let badSent = 0;
    // Each one broken in one way: no Call-ID, a CSeq that is not a number, a CSeq naming another method, a header without a colon.
    const breakages: ((lines: string[]) => string[])[] = [
      (l) => l.filter((x) => !x.startsWith('Call-ID:')),
      (l) => l.map((x) => (x.startsWith('CSeq:') ? 'CSeq: x OPTIONS' : x)),
      (l) => l.map((x) => (x.startsWith('CSeq:') ? 'CSeq: 1 INVITE' : x)),
      (l) => l.map((x) => (x.startsWith('Max-Forwards:') ? 'Max-Forwards 70' : x)),
    ];
    const flood = setInterval(() => {
      badSent += 1;
      const lines = [`OPTIONS sip:demo@127.0.0.1 SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${broken.address().port};branch=z9hG4bK-bad${badSent}`, 'Max-Forwards: 70',
        'From: <sip:x@y>;tag=1', 'To: <sip:demo@127.0.0.1>', `Call-ID: bad-${badSent}`, 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', ''];
      broken.send(breakages[badSent % breakages.length](lines).join('\r\n'), sip.port, '127.0.0.1');
    }, 100);
    const startedMs = performance.now();
    // sipp's UAC (its built-in one with transactions named, fixtures/sipp-lossy-uac.xml): INVITE -> 100/180/200 ->
    // ACK -> 1 s -> BYE -> 200; 10 calls a second, at most 20 at once (each
    // is a real call in the runtime: fewer at once leaves CPU to real-time tests running beside this one).
    const result = await runSipp([
      '-sf', new URL('./fixtures/sipp-lossy-uac.xml', import.meta.url).pathname, `127.0.0.1:${proxy.port}`, '-s', 'demo', '-i', '127.0.0.1', '-p', String(sippPort()),
      '-m', String(CALLS), '-r', '10', '-l', '20', '-d', '1000', '-timeout', '120s', '-nostdin', '-trace_err',
    ], harness.dataDir);
    const sippMs = performance.now() - startedMs;
    clearInterval(flood);
    await new Promise((r) => setTimeout(r, 100));
    broken.close();
    // The last ACKs and BYEs may still be on their way; dialogs go as soon as their BYE lands.
    // A dialog whose ACK was lost ends by the RFC timers (Timer H, 32 s), not at once: wait for them, not a fixed 5 s.
    for (let i = 0; i < 700 && sip.dialogs > 0; i++) await new Promise((r) => setTimeout(r, 50));
    const summary = proxy.summary();
    proxy.close();
    const ok = sippCount(result.out, 'Successful call');
    const failed = sippCount(result.out, 'Failed call');
    const timeline = readTimeline(harness.dataDir);
    const started = new Set(timeline.filter((e) => e.callStarted?.transport === 'sip').map((e) => e.callId));
    const ended = timeline.filter((e) => e.callEnded && started.has(e.callId));
    const report = {
      calls: CALLS, ok, failed, dialogsLeft: sip.dialogs, transactionsHeld: sip.transactions, sippSeconds: +(sippMs / 1000).toFixed(1),
      datagrams: { up: summary.up, down: summary.down }, kinds: summary.kinds,
      malformed: { sent: badSent, answered400: badAnswers.filter((a) => a.startsWith('SIP/2.0 400')).length, other: badAnswers.filter((a) => !a.startsWith('SIP/2.0 400')).length },
      runtime: { started: started.size, ended: ended.length, reasons: [...new Set(ended.map((e) => e.callEnded!.reason))] },
    };
    console.log(`sip-loss: ${JSON.stringify(report)}`);
    expect(result.status, result.out.slice(-2500)).toBe(0);
    expect(ok).toBe(CALLS);
    expect(failed).toBe(0);
    expect(sip.dialogs).toBe(0);
    expect(started.size).toBe(CALLS);
    expect(ended.length).toBe(CALLS);
    // A call that ended any other way: its datagrams as the relay saw them, to tell which message went missing.
    const trace = (callId: string) => proxy.datagrams.filter((d) => d.text.includes(`Call-ID: ${callId}`))
      .map((d) => `${d.direction}${d.dropped ? ' DROPPED' : ''} ${d.text.slice(0, d.text.indexOf('\r\n'))}`);
    const odd = ended.filter((e) => e.callEnded!.reason !== 'caller_hangup').map((e) => ({ reason: e.callEnded!.reason, trace: trace(e.callId) }));
    expect(report.runtime.reasons, JSON.stringify(odd, null, 1)).toEqual(['caller_hangup']);
    expect(summary.up.dropped).toBeGreaterThan(0);
    expect(summary.down.dropped).toBeGreaterThan(0);
    expect(sippMs).toBeLessThan(90_000);
    expect(badSent).toBeGreaterThan(50);
    expect(report.malformed.answered400).toBe(badSent); // every one of them told it is malformed, nothing else
    expect(report.malformed.other).toBe(0);
  }, 150_000);
});
