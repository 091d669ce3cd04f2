// SIP + RTP: sipp's own UAC completes a dialog with the edge; and a caller sending real RTP speech gets the agent's
// RTP back, not silence, until BYE tears the call down.
import { spawn, spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRtp, parseRtp } from '@invorto/dsp/rtp.ts';
import { mulawRmsDbfs, silenceFrames, speechFrames } from '../../src/sim/caller-sounds.ts';
import { startTestEdge, type EdgeHarness } from '../helpers/edge-harness.ts';
import { readTimeline } from '../helpers/timeline.ts';

const hasSipp = spawnSync('sh', ['-c', 'command -v sipp']).status === 0;

function invite(callId: string, sipPort: number, rtpPort: number, cseq = 1): string {
  const sdp = ['v=0', 'o=caller 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${rtpPort} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''].join('\r\n');
  return [
    `INVITE sip:demo@127.0.0.1:${sipPort} SIP/2.0`, 'Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK-1', 'From: <sip:caller@127.0.0.1>;tag=abc', `To: <sip:demo@127.0.0.1:${sipPort}>`,
    `Call-ID: ${callId}`, `CSeq: ${cseq} INVITE`, 'Contact: <sip:caller@127.0.0.1:5099>', 'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(sdp)}`, '', sdp,
  ].join('\r\n');
}

function request(method: string, callId: string, sipPort: number, toTag: string, cseq: number): string {
  return [`${method} sip:demo@127.0.0.1:${sipPort} SIP/2.0`, 'Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK-' + cseq, 'From: <sip:caller@127.0.0.1>;tag=abc', `To: <sip:demo@127.0.0.1:${sipPort}>;tag=${toTag}`, `Call-ID: ${callId}`, `CSeq: ${cseq} ${method}`, 'Content-Length: 0', '', ''].join('\r\n');
}

/** An even RTP port and RTCP on the port above it, as SIP peers use them. */
async function bindPair(): Promise<[Socket, Socket]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 42000 + 2 * Math.floor(Math.random() * 2000);
    const bind = (p: number) => new Promise<Socket | null>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => { socket.close(); resolve(null); });
      socket.bind(p, '127.0.0.1', () => resolve(socket));
    });
    const a = await bind(port);
    const b = a ? await bind(port + 1) : null;
    if (a && b) return [a, b];
    a?.close();
  }
  throw new Error('no free port pair');
}

describe('SIP + RTP', () => {
  let harness: EdgeHarness;
  beforeAll(async () => { harness = await startTestEdge({}, { sip: true }); });
  afterAll(async () => { await harness.close(); });

  it.skipIf(!hasSipp)('sipp\'s UAC completes a call: INVITE, 200 with SDP, ACK, BYE', async () => {
    const sipPort = harness.edge.sip!.port;
    // sipp's built-in uac scenario: INVITE (PCMU offer) -> 100/180/200 -> ACK -> 1.5 s -> BYE -> 200.
    const localPort = 35000 + Math.floor(Math.random() * 5000);
    // Asynchronously: the edge under test runs in this process, so a blocking spawn would stop it answering.
    const result = await new Promise<{ status: number | null; out: string }>((resolve) => {
      const child = spawn('sipp', ['-sn', 'uac', `127.0.0.1:${sipPort}`, '-s', 'demo', '-i', '127.0.0.1', '-p', String(localPort), '-m', '1', '-l', '1', '-d', '1500', '-timeout', '30s', '-timeout_error', '-nostdin'], { cwd: harness.dataDir, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { out += d; });
      child.on('close', (status) => resolve({ status, out }));
    });
    expect(result.status, result.out.slice(-1500)).toBe(0);
    const calls = readTimeline(harness.dataDir).filter((e) => e.callStarted?.transport === 'sip').map((e) => e.callId);
    const ends = readTimeline(harness.dataDir).filter((e) => e.callEnded && calls.includes(e.callId));
    expect(ends.map((e) => e.callEnded!.reason)).toEqual(['caller_hangup']);
    expect(harness.edge.sip!.dialogs).toBe(0);
  }, 60_000);

  it.skipIf(!hasSipp)('a sipp caller with audio and DTMF: heard, answered with audio, torn down by BYE', async () => {
    const sipPort = harness.edge.sip!.port;
    // The scenario (fixtures/sipp-caller.xml) streams caller.ulaw: 1 s of silence, a question, silence.
    const speech = Buffer.concat([...silenceFrames(4500), ...(await speechFrames('What are your opening hours?')), ...silenceFrames(1500)]);
    writeFileSync(join(harness.dataDir, 'caller.ulaw'), speech);
    const localPort = 35000 + Math.floor(Math.random() * 5000);
    const scenario = new URL('../fixtures/sipp-caller.xml', import.meta.url).pathname;
    const result = await new Promise<{ status: number | null; out: string }>((resolve) => {
      const child = spawn('sipp', ['-sf', scenario, `127.0.0.1:${sipPort}`, '-s', 'demo', '-i', '127.0.0.1', '-mi', '127.0.0.1', '-p', String(localPort), '-m', '1', '-l', '1', '-timeout', '40s', '-timeout_error', '-nostdin'], { cwd: harness.dataDir, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { out += d; });
      child.on('close', (status) => resolve({ status, out }));
    });
    expect(result.status, result.out.slice(-1500)).toBe(0);
    const sipCalls = readTimeline(harness.dataDir).filter((e) => e.callStarted?.transport === 'sip').map((e) => e.callId);
    const events = readTimeline(harness.dataDir).filter((e) => e.callId === sipCalls.at(-1));
    expect(events.find((e) => e.turn)?.turn?.agentText).toMatch(/How can I help/); // agent audio played over RTP
    expect(events.some((e) => e.transcript?.isFinal && e.transcript.text)).toBe(true); // sipp's audio was heard
    expect(harness.logs.some((l) => l.msg === 'dtmf' && l.digit === '1')).toBe(true); // RFC 4733 from sipp's pcap
    expect(events.at(-1)?.callEnded?.reason).toBe('caller_hangup');
  }, 60_000);

  it('answers a caller\'s RTP speech with RTP audio, and BYE ends the call', async () => {
    const sipPort = harness.edge.sip!.port;
    const sip = createSocket('udp4');
    await new Promise<void>((r) => sip.bind(0, '127.0.0.1', () => r()));
    const [rtp, rtcp] = await bindPair();
    const reports: Uint8Array[] = [];
    rtcp.on('message', (m) => reports.push(m));
    const responses: string[] = [];
    sip.on('message', (m) => responses.push(m.toString()));
    const received: Uint8Array[] = [];
    let remote: { port: number } | null = null;
    rtp.on('message', (m, from) => { remote = { port: from.port }; received.push(parseRtp(m).payload); });
    const callId = `sip-test-${Date.now()}`;
    sip.send(invite(callId, sipPort, rtp.address().port), sipPort, '127.0.0.1');
    const deadline = Date.now() + 10_000;
    while (!responses.some((r) => r.startsWith('SIP/2.0 200')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const ok = responses.find((r) => r.startsWith('SIP/2.0 200'))!;
    expect(responses[0]).toMatch(/^SIP\/2\.0 100 Trying/);
    expect(ok).toMatch(/m=audio (\d+) RTP\/AVP 0 101/);
    const toTag = /To: .*;tag=([^\s;]+)/.exec(ok)![1];
    const edgeRtpPort = Number(/m=audio (\d+)/.exec(ok)![1]);
    sip.send(request('ACK', callId, sipPort, toTag, 1), sipPort, '127.0.0.1');
    // Speak over RTP in real time: 5.5 s of silence (the greeting plays), a question, then silence.
    const frames = [...silenceFrames(5500), ...(await speechFrames('What are your opening hours?')), ...silenceFrames(4000)];
    const start = performance.now();
    for (let i = 0; i < frames.length; i++) {
      rtp.send(buildRtp({ payloadType: 0, sequence: i, timestamp: i * 160, ssrc: 77 }, frames[i]), edgeRtpPort, '127.0.0.1');
      const wait = start + (i + 1) * 20 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    sip.send(request('BYE', callId, sipPort, toTag, 2), sipPort, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 300));
    sip.close();
    rtp.close();
    rtcp.close();
    expect(remote).not.toBeNull();
    // RTCP: at least one sender report with a reception block about our stream (SSRC 77), saying what arrived.
    const report = reports.map((r) => ({ pt: r[1], view: new DataView(r.buffer, r.byteOffset, r.byteLength) })).find((r) => r.pt === 200);
    expect(report).toBeDefined();
    expect(report!.view.getUint32(28)).toBe(77);
    expect(report!.view.getUint32(36)).toBeGreaterThan(100); // highest sequence received
    expect(report!.view.getUint32(20)).toBeGreaterThan(50); // packets we were sent
    expect(received.length).toBeGreaterThan(150); // greeting and answer: seconds of 20 ms packets
    expect(new Set(received.map((p) => p.length))).toEqual(new Set([160]));
    expect(mulawRmsDbfs(Buffer.concat(received))).toBeGreaterThan(-45);
    expect(responses.some((r) => r.startsWith('SIP/2.0 200') && /CSeq: 2 BYE/.test(r))).toBe(true);
    const events = readTimeline(harness.dataDir).filter((e) => e.callId === callId);
    expect(events[0].callStarted?.transport).toBe('sip');
    expect(events.find((e) => e.turn)?.turn?.agentText).toMatch(/How can I help/); // the greeting played out
    expect(events.some((e) => e.transcript?.isFinal && e.transcript.text)).toBe(true); // the caller was heard over RTP
    const answering = events.findIndex((e) => e.stateChanged?.reason === 'caller turn ended');
    expect(answering).toBeGreaterThan(0);
    expect(events.slice(answering).some((e) => e.stateChanged?.to === 'SPEAKING')).toBe(true); // and answered
    expect(events.at(-1)?.callEnded?.reason).toBe('caller_hangup');
    expect(harness.edge.sip!.dialogs).toBe(0);

    // Every latency histogram of a call like this one moved (barge-in is the turns benchmark's test).
    const metrics = await (await fetch(`${harness.edge.url}/metrics`)).text();
    const count = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
    for (const histogram of ['invorto_frame_processing_seconds_count', 'invorto_jitter_buffer_delay_seconds_count', 'invorto_end_of_turn_latency_seconds_count',
      'invorto_turn_latency_seconds_count', 'invorto_timeline_publish_seconds_count', 'invorto_provider_ttfb_seconds_count{stage="asr",provider="pocketsphinx"}',
      'invorto_provider_ttfb_seconds_count{stage="llm",provider="scripted"}', 'invorto_provider_ttfb_seconds_count{stage="tts",provider="flite"}']) {
      expect(count(histogram), histogram).toBeGreaterThan(0);
    }
    expect(metrics).toMatch(/^invorto_errors_total\{kind="protocol"\} \d+/m);
    // Structured logs: every line about this call carries its id (pino child logger), and no audio or secret.
    const callLines = harness.logs.filter((l) => JSON.stringify(l).includes(callId));
    expect(callLines.length).toBeGreaterThan(0);
    expect(callLines.every((l) => l.callId === callId)).toBe(true);
    expect(harness.logs.filter((l) => /token=|"payload"|"media"|"audio"/.test(JSON.stringify(l))).map((l) => JSON.stringify(l))).toEqual([]);
  }, 60_000);

  it('refuses what it cannot serve: no shared codec (488), unknown dialog BYE (481), OPTIONS answered', async () => {
    const sipPort = harness.edge.sip!.port;
    const sip = createSocket('udp4');
    await new Promise<void>((r) => sip.bind(0, '127.0.0.1', () => r()));
    const responses: string[] = [];
    sip.on('message', (m) => responses.push(m.toString()));
    const g729 = invite('no-codec', sipPort, 9000).replace('RTP/AVP 0 101', 'RTP/AVP 18').replace(/Content-Length: \d+/, (m) => m);
    const fixed = g729.replace(/Content-Length: (\d+)/, () => `Content-Length: ${Buffer.byteLength(g729.split('\r\n\r\n')[1])}`);
    sip.send(fixed, sipPort, '127.0.0.1');
    sip.send(request('BYE', 'nobody', sipPort, 'x', 1), sipPort, '127.0.0.1');
    sip.send(request('OPTIONS', 'ping', sipPort, 'x', 1), sipPort, '127.0.0.1');
    sip.send('garbage that is not SIP', sipPort, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 500));
    sip.close();
    expect(responses.some((r) => r.startsWith('SIP/2.0 488'))).toBe(true);
    expect(responses.some((r) => r.startsWith('SIP/2.0 481'))).toBe(true);
    expect(responses.some((r) => r.startsWith('SIP/2.0 200') && /Allow: INVITE/.test(r))).toBe(true);
    expect(harness.edge.sip!.rejected).toBeGreaterThanOrEqual(1);
  });
});
