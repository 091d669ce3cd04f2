// Timer G/H on the real clock with the real runtime: a caller that never ACKs our 200 OK sees it re-sent at
// 0.5, 1.5, 3.5, 7.5, 11.5 … 31.5 s (T1 = 500 ms doubling to T2 = 4 s), then a BYE at 32 s (64*T1), and the call
// ends with reason `timeout`. The fake-clock schedule is in sip-transactions.test.ts; this measures the real one.
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEdge, type EdgeHarness } from './helpers/edge-harness.ts';
import { readTimeline } from './helpers/timeline.ts';

describe('Timer H on the real clock', () => {
  let harness: EdgeHarness;
  beforeAll(async () => { harness = await startTestEdge({}, { sip: true }); });
  afterAll(async () => { await harness.close(); });

  it('re-sends the unacknowledged 200 on the RFC schedule and ends the call with a BYE at 64*T1', async () => {
    const sipPort = harness.edge.sip!.port;
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    const seen: { atMs: number; text: string }[] = [];
    socket.on('message', (m) => seen.push({ atMs: performance.now(), text: m.toString() }));
    const sdp = ['v=0', 'o=c 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40002 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');
    const port = socket.address().port;
    const callId = `timer-h-${Date.now()}`;
    socket.send([
      `INVITE sip:demo@127.0.0.1:${sipPort} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-h1`, 'From: <sip:c@127.0.0.1>;tag=h', `To: <sip:demo@127.0.0.1:${sipPort}>`,
      `Call-ID: ${callId}`, 'CSeq: 1 INVITE', `Contact: <sip:c@127.0.0.1:${port}>`, 'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(sdp)}`, '', sdp,
    ].join('\r\n'), sipPort, '127.0.0.1');
    const deadline = performance.now() + 45_000;
    while (!seen.some((s) => s.text.startsWith('BYE ')) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const bye = seen.find((s) => s.text.startsWith('BYE '))!;
    const keep = bye.text.split('\r\n').filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l));
    socket.send(['SIP/2.0 200 OK', ...keep, 'Content-Length: 0', '', ''].join('\r\n'), sipPort, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 300));
    socket.close();
    const oks = seen.filter((s) => s.text.startsWith('SIP/2.0 200'));
    const offsets = oks.map((s) => Math.round(s.atMs - oks[0].atMs));
    const byeAtMs = Math.round(bye.atMs - oks[0].atMs);
    console.log(`timer-h: 200 OK sent at ${JSON.stringify(offsets)} ms, BYE at ${byeAtMs} ms, BYEs ${seen.filter((s) => s.text.startsWith('BYE ')).length}`);
    // Timers run from when the 200 was handed to the socket; the first copy can leave a little late (the call's
    // start-up work is on the same thread), so the schedule is read from the first re-send on. Copies keep to the
    // schedule (a late one does not push the rest); each may be late by the event loop's lag, never early.
    const schedule = [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500];
    expect(offsets.length).toBe(schedule.length);
    expect(offsets[1]).toBeGreaterThan(300);
    expect(offsets[1]).toBeLessThan(600);
    offsets.slice(1).forEach((offset, i) => {
      const errorMs = offset - offsets[1] - (schedule[i + 1] - 500);
      expect(errorMs, `copy ${i + 1} at ${offset} ms`).toBeGreaterThan(-20);
      expect(errorMs, `copy ${i + 1} at ${offset} ms`).toBeLessThan(200);
    });
    expect(Math.abs(byeAtMs - offsets[1] - 31_500)).toBeLessThan(200);
    expect(seen.filter((s) => s.text.startsWith('BYE ')).length).toBe(1); // answered at once: no Timer E copy
    const ended = readTimeline(harness.dataDir).find((e) => e.callId === callId && e.callEnded);
    expect(ended?.callEnded?.reason).toBe('timeout');
    expect(harness.edge.sip!.dialogs).toBe(0);
  }, 60_000);
});
