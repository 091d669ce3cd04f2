// Mutated SIP and RTP datagrams: the edge refuses them, keeps answering, and leaves no dialog or call behind.
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { buildRtp } from '@invorto/dsp/rtp.ts';
import { startTestEdge } from '../helpers/edge-harness.ts';

function random(seed: number) {
  let state = seed;
  return () => { state = (state * 1103515245 + 12345) & 0x7fffffff; return state / 0x7fffffff; };
}

function mutate(bytes: Uint8Array, next: () => number): Buffer {
  const out = Buffer.from(bytes);
  const kind = Math.floor(next() * 3);
  if (kind === 0) for (let i = 0; i < 1 + next() * 6; i++) out[Math.floor(next() * out.length)] = Math.floor(next() * 256);
  if (kind === 1) return out.subarray(0, Math.floor(next() * out.length));
  if (kind === 2) return Buffer.concat([out.subarray(0, Math.floor(next() * out.length)), Buffer.from(Array.from({ length: Math.floor(next() * 40) }, () => Math.floor(next() * 256)))]);
  return out;
}

const sipMessage = (method: string, port: number, callId: string, body = '') => Buffer.from([
  `${method} sip:demo@127.0.0.1:${port} SIP/2.0`, 'Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK-f', 'From: <sip:f@127.0.0.1>;tag=f', `To: <sip:demo@127.0.0.1:${port}>`,
  `Call-ID: ${callId}`, `CSeq: 1 ${method}`, ...(body ? ['Content-Type: application/sdp'] : []), `Content-Length: ${Buffer.byteLength(body)}`, '', body,
].join('\r\n'));

const sdp = ['v=0', 'o=f 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 9 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000', ''].join('\r\n');

describe('SIP and RTP fuzzing', () => {
  it('survives 10,000 mutated SIP datagrams and 10,000 mutated RTP packets', async () => {
    const harness = await startTestEdge({}, { sip: true });
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    const responses: string[] = [];
    socket.on('message', (m) => responses.push(m.toString()));
    try {
      const port = harness.edge.sip!.port;
      const next = random(7);
      // One real call first: its RTP port takes the mutated packets later.
      socket.send(sipMessage('INVITE', port, 'rtp-target', sdp), port, '127.0.0.1');
      const deadline = Date.now() + 5000;
      let ok: string | undefined;
      while (!(ok = responses.find((r) => r.startsWith('SIP/2.0 200') && r.includes('Call-ID: rtp-target'))) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const rtpPort = Number(/m=audio (\d+)/.exec(ok!)![1]);
      const samples = [sipMessage('INVITE', port, 'fuzz-a', sdp), sipMessage('OPTIONS', port, 'fuzz-b'), sipMessage('BYE', port, 'fuzz-c'), sipMessage('CANCEL', port, 'fuzz-d')];
      for (let i = 0; i < 10_000; i++) {
        // Mutated copies get their own Call-IDs where they still parse, so no INVITE is a retransmission of another.
        const sample = samples[i % samples.length].toString().replace(/fuzz-[a-d]/, `fuzz-${i}`);
        socket.send(mutate(Buffer.from(sample), next), port, '127.0.0.1');
        if (i % 200 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      const packet = buildRtp({ payloadType: 0, sequence: 1, timestamp: 160, ssrc: 9 }, new Uint8Array(160).fill(0xff));
      for (let i = 0; i < 10_000; i++) {
        socket.send(mutate(packet, next), rtpPort, '127.0.0.1');
        if (i % 200 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, 500));
      // Still answering; then hang up everything the fuzzing opened.
      responses.length = 0;
      socket.send(sipMessage('OPTIONS', port, 'alive'), port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 200));
      expect(responses.some((r) => r.includes('Call-ID: alive'))).toBe(true);
      expect(harness.edge.sip!.rejected).toBeGreaterThan(1000);
      harness.edge.sip!.close();
      const end = Date.now() + 5000;
      while (harness.edge.server.activeCalls > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(harness.edge.sip!.dialogs).toBe(0);
      expect(harness.edge.server.activeCalls).toBe(0);
    } finally {
      socket.close();
      await harness.close();
    }
  }, 90_000);
});
