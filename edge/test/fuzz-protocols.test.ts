// Fuzzing the media protocols: mutated frames either parse or are refused with a ProtocolError, never anything
// else; and through a real edge, a storm of them leaves no call behind and the node answering.
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { dialects } from '../src/sim/dialects.ts';
import { exotelProtocol } from '../src/transports/exotel.ts';
import { nativeProtocol } from '../src/transports/native.ts';
import { plivoProtocol } from '../src/transports/plivo.ts';
import { telnyxProtocol } from '../src/transports/telnyx.ts';
import { twilioProtocol } from '../src/transports/twilio.ts';
import { ProtocolError, type MediaStreamProtocol } from '../src/transports/types.ts';
import { startTestEdge } from './helpers/edge-harness.ts';
import { readTimeline } from './helpers/timeline.ts';

const protocols: Record<string, MediaStreamProtocol> = { twilio: twilioProtocol, plivo: plivoProtocol, exotel: exotelProtocol, telnyx: telnyxProtocol, native: nativeProtocol };

function random(seed: number) {
  let state = seed;
  return () => { state = (state * 1103515245 + 12345) & 0x7fffffff; return state / 0x7fffffff; };
}

/** Valid frames of a protocol: its opening, some media, a mark acknowledgement and a stop. */
function sampleFrames(name: string): { data: Uint8Array; binary: boolean }[] {
  const dialect = dialects[name]();
  const frames = [...dialect.opening({ agentId: 'demo' }), dialect.media(0, new Uint8Array(160).fill(0x55)), dialect.media(1, new Uint8Array(160).fill(0xaa)), dialect.markPlayed('reply-0'), dialect.stop()];
  return frames.map((f) => (typeof f === 'string' ? { data: new TextEncoder().encode(f), binary: false } : { data: f, binary: true }));
}

function mutate(frame: Uint8Array, next: () => number): Uint8Array {
  const bytes = Uint8Array.from(frame);
  switch (Math.floor(next() * 5)) {
    case 0: // flip bytes
      for (let i = 0; i < 1 + next() * 4; i++) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
      return bytes;
    case 1: // truncate
      return bytes.subarray(0, Math.floor(next() * bytes.length));
    case 2: { // duplicate a slice
      const at = Math.floor(next() * bytes.length);
      return Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(Math.floor(next() * at))]);
    }
    case 3: // insert random bytes
      return Uint8Array.from([...bytes.subarray(0, 5), ...Array.from({ length: Math.floor(next() * 20) }, () => Math.floor(next() * 256)), ...bytes.subarray(5)]);
    default: // swap a JSON token for another value
      return new TextEncoder().encode(new TextDecoder().decode(bytes).replace(/"[^"]*"/, ['null', '[]', '{}', '1e309', '"\\u0000"', '-1'][Math.floor(next() * 6)]));
  }
}

describe('protocol fuzzing', () => {
  for (const [name, protocol] of Object.entries(protocols)) {
    it(`${name}: 10,000 mutated frames parse or raise ProtocolError, nothing else`, () => {
      const next = random(name.length * 7919);
      const frames = sampleFrames(name);
      let refused = 0;
      for (let i = 0; i < 10_000; i++) {
        const sample = frames[i % frames.length];
        const data = mutate(sample.data, next);
        const isBinary = next() < 0.05 ? !sample.binary : sample.binary;
        try {
          protocol.parse(data.slice().buffer, isBinary, i % 3 !== 0);
        } catch (error) {
          expect(error, `${name} frame ${i}`).toBeInstanceOf(ProtocolError);
          refused++;
        }
      }
      expect(refused).toBeGreaterThan(1000);
    });
  }

  it('a storm of mutated frames through a real edge leaves no call behind', async () => {
    const harness = await startTestEdge({}, { maxCalls: 100 });
    try {
      const token = new URL(harness.mediaUrl).searchParams.get('token');
      const base = harness.bareMediaUrl.replace(/\/twilio$/, '');
      const next = random(42);
      let sent = 0;
      for (const name of Object.keys(protocols)) {
        const frames = sampleFrames(name);
        await Promise.all(Array.from({ length: 40 }, async () => {
          const ws = new WebSocket(`${base}/${name}?token=${token}`);
          await new Promise((resolve) => ws.on('open', resolve));
          const closed = new Promise((resolve) => ws.on('close', resolve));
          ws.on('error', () => {});
          ws.send(frames[0].data, { binary: frames[0].binary });
          for (let i = 0; i < 25 && ws.readyState === WebSocket.OPEN; i++) {
            const sample = frames[1 + (i % (frames.length - 1))];
            ws.send(mutate(sample.data, next), { binary: sample.binary });
            sent++;
          }
          if (ws.readyState === WebSocket.OPEN) ws.close();
          await closed;
        }));
      }
      expect(sent).toBeGreaterThan(1000);
      const deadline = Date.now() + 5000;
      while (harness.edge.server.activeCalls > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(harness.edge.server.activeCalls).toBe(0);
      // Calls did start (the opening frames were valid), and every one that started also ended, with a reason.
      await new Promise((r) => setTimeout(r, 100));
      const events = readTimeline(harness.dataDir);
      const started = new Set(events.filter((e) => e.callStarted).map((e) => e.callId));
      const ended = new Set(events.filter((e) => e.callEnded).map((e) => e.callId));
      expect(started.size).toBeGreaterThan(50);
      expect([...started].filter((id) => !ended.has(id))).toEqual([]);
      expect((await fetch(`${harness.edge.url}/health`)).status).toBe(200);
    } finally {
      await harness.close();
    }
  }, 60_000);
});
