// Bad input on one media socket closes that call with a logged reason; the node and a concurrent call go on.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { placeTwilioCall } from '../../src/sim/carrier-caller.ts';
import { startTestEdge, type EdgeHarness } from '../helpers/edge-harness.ts';

const start = (overrides: Record<string, unknown> = {}) => JSON.stringify({
  event: 'start', sequenceNumber: '1', streamSid: 'MZbad',
  start: { streamSid: 'MZbad', accountSid: 'AC1', callSid: 'CAbad', tracks: ['inbound'], customParameters: {}, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 }, ...overrides },
});
const media = (payload: string) => JSON.stringify({ event: 'media', sequenceNumber: '2', streamSid: 'MZbad', media: { track: 'inbound', chunk: '1', timestamp: '0', payload } });

/** Opens a socket, sends the messages in order, and resolves with how the edge closed it. */
function sendAndAwaitClose(url: string, messages: (string | Buffer)[]): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => reject(new Error('edge did not close the socket')), 10_000);
    ws.on('open', () => { for (const m of messages) ws.send(m); });
    ws.on('error', () => {});
    ws.on('close', (code, reason) => { clearTimeout(timer); resolve({ code, reason: reason.toString() }); });
  });
}

describe('media socket bad input', () => {
  let harness: EdgeHarness;
  beforeAll(async () => { harness = await startTestEdge(); });
  afterAll(async () => { await harness.close(); });

  const cases: [string, (string | Buffer)[], string][] = [
    ['a non-JSON text frame', [start(), 'this is not json'], 'frame is not JSON'],
    ['an unknown event', [start(), JSON.stringify({ event: 'teleport' })], 'unknown event "teleport"'],
    ['broken base64', [start(), media('%%%%not-base64%%%%')], 'not valid base64'],
    ['a wrong mediaFormat', [start({ mediaFormat: { encoding: 'audio/x-alaw', sampleRate: 8000, channels: 1 } })], 'unsupported mediaFormat'],
    ['media before start', [media('//79/f39/f39')], '"media" before "start"'],
    ['a 1 MB frame', [start(), media('A'.repeat(1024 * 1024))], 'larger than 65536 bytes'],
    ['a binary frame', [start(), Buffer.from([1, 2, 3])], 'binary frame'],
  ];

  it('closes each bad call with a logged reason while a concurrent good call is unaffected', async () => {
    const silence = Array.from({ length: 150 }, () => new Uint8Array(160).fill(0xff)); // 3 s of caller silence
    const goodCall = placeTwilioCall({ url: harness.mediaUrl, frames: silence, quietHangupMs: 500, maxDurationMs: 20_000 });
    for (const [name, messages, reason] of cases) {
      const closed = await sendAndAwaitClose(harness.mediaUrl, messages);
      // 1008 policy violation; an oversize frame is cut at the transport (uWS sends 1009, or drops the TCP: 1006)
      expect([1006, 1008, 1009], name).toContain(closed.code);
      const logged = harness.logs.find((l) => l.msg === 'media socket rejected' && String(l.reason).includes(reason));
      expect(logged, `${name}: expected a log line with "${reason}"`).toBeTruthy();
    }
    const good = await goodCall;
    expect(good.closeCode).toBe(1000);
    expect(good.framesSent).toBeGreaterThanOrEqual(150);
    expect(good.replies.map((r) => r.mark)).toContain('reply-0'); // the greeting played to the end
    expect(good.framesReceived).toBeGreaterThan(25);
    const health = await fetch(`${harness.edge.url}/health`);
    expect(health.status).toBe(200);
  });
});

describe('call history route bad input', () => {
  it('answers a bad id, an unknown call and a missing token with a status and a reason, and the edge goes on', async () => {
    const harness = await startTestEdge({}, { internalToken: 'internal-secret' });
    try {
      const get = async (path: string, token?: string) => {
        const response = await fetch(`${harness.edge.url}${path}`, { headers: token ? { 'x-invorto-internal': token } : {} });
        return { status: response.status, body: await response.json() as { error?: string } };
      };
      expect(await get('/calls/some-call/history')).toEqual({ status: 401, body: { error: 'x-invorto-internal header missing or wrong' } });
      expect(await get('/calls/some-call/history', 'wrong')).toMatchObject({ status: 401 });
      expect(await get('/calls/some-call/history', 'internal-secret')).toEqual({ status: 404, body: { error: 'no history for call "some-call" on this edge' } });
      const malformed = await get('/calls/%E0%A4%A/history', 'internal-secret');
      expect(malformed.status).toBe(400);
      expect(malformed.body.error).toMatch(/URI/);
      expect((await fetch(`${harness.edge.url}/health`)).status).toBe(200);
    } finally {
      await harness.close();
    }
  });
});

describe('an agent the node cannot serve', () => {
  it('an unknown provider: the node still starts and says so, each call is refused with the reason, the node goes on', async () => {
    const agent = demoAgent('default');
    const harness = await startTestEdge({}, { agent: { ...agent, asr: { ...agent.asr, provider: 'no-such-asr' } } });
    try {
      const warned = harness.logs.find((l) => l.msg === 'providers could not be loaded before the first call');
      expect(String(warned?.err)).toMatch(/unknown asr provider "no-such-asr"/);
      const closed = await sendAndAwaitClose(harness.mediaUrl, [start()]);
      expect(closed).toEqual({ code: 1011, reason: 'agent unavailable' });
      const refused = harness.logs.find((l) => l.msg === 'call could not start');
      expect(String(refused?.err)).toMatch(/unknown asr provider "no-such-asr"/);
      expect((await fetch(`${harness.edge.url}/health`)).status).toBe(200);
    } finally {
      await harness.close();
    }
  });
});
