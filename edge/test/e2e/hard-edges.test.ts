// The edge's hard edges: media tokens, the call limit, the no-media timeout, and graceful drain.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startControl } from '../../../control/src/start-control.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { mintMediaToken, verifyMediaToken } from '../../src/auth/media-token.ts';
import { twilioSignature } from '../../src/auth/twilio-signature.ts';
import { placeTwilioCall } from '../../src/sim/carrier-caller.ts';
import { silenceFrames } from '../../src/sim/caller-sounds.ts';
import { startTestEdge, type EdgeHarness } from '../helpers/edge-harness.ts';
import { readTimeline } from '../helpers/timeline.ts';

/** Resolves with the HTTP status of a refused upgrade, or 101 when the socket opened. */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('open', () => { ws.close(); resolve(101); });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(0)); // refused outright: nothing listens
  });
}

describe('media tokens', () => {
  it('verify what they sign, and refuse tampering, expiry and garbage', () => {
    const token = mintMediaToken('s3cret', { tenantId: 't1', agentId: 'a1', expiresAt: 2_000_000_000 });
    expect(verifyMediaToken('s3cret', token, 1_000_000_000)).toEqual({ tenantId: 't1', agentId: 'a1', expiresAt: 2_000_000_000 });
    expect(verifyMediaToken('other', token)).toEqual({ error: 'media token signature does not match' });
    expect(verifyMediaToken('s3cret', token, 2_000_000_001)).toEqual({ error: 'media token expired' });
    const [v, payload, signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ t: 't2', a: 'a1', exp: 2_000_000_000 })).toString('base64url');
    expect(verifyMediaToken('s3cret', `${v}.${forged}.${signature}`)).toEqual({ error: 'media token signature does not match' });
    expect(verifyMediaToken('s3cret', 'hello')).toEqual({ error: 'malformed media token' });
    expect(payload.length).toBeGreaterThan(10);
  });
});

describe('edge hard edges', () => {
  let harness: EdgeHarness | undefined;
  afterEach(async () => { await harness?.close(); harness = undefined; });

  it('refuses a media socket without a token, with a bad one, or with an expired one (401), and names why in the log', async () => {
    harness = await startTestEdge();
    const expired = mintMediaToken(harness.mediaTokenSecret, { tenantId: 'default', agentId: 'demo', expiresAt: Date.now() / 1000 - 1 });
    const foreign = mintMediaToken('not-the-secret', { tenantId: 'default', agentId: 'demo', expiresAt: Date.now() / 1000 + 60 });
    expect(await upgradeStatus(harness.bareMediaUrl)).toBe(401);
    expect(await upgradeStatus(`${harness.bareMediaUrl}?token=${expired}`)).toBe(401);
    expect(await upgradeStatus(`${harness.bareMediaUrl}?token=${foreign}`)).toBe(401);
    expect(await upgradeStatus(harness.mediaUrl)).toBe(101);
    const reasons = harness.logs.filter((l) => l.msg === 'media socket refused').map((l) => l.reason);
    expect(reasons).toEqual(['no media token (add ?token=… to the media URL) or tenant API key', 'media token expired', 'media token signature does not match']);
  });

  it('takes a tenant API key instead of a token, checked with control', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'invorto-keys-'));
    const control = await startControl({ host: '127.0.0.1', port: 0, dataDir, internalToken: 'internal' });
    try {
      harness = await startTestEdge({}, { controlUrl: control.internalUrl, internalToken: 'internal' });
      expect(await upgradeStatus(`${harness.bareMediaUrl}?api_key=${control.newApiKey}&agent=demo`)).toBe(101);
      expect(await upgradeStatus(`${harness.bareMediaUrl}?api_key=ivk_not-a-key&agent=demo`)).toBe(401);
    } finally {
      await harness?.close();
      harness = undefined;
      await control.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('checks X-Twilio-Signature when a Twilio auth token is configured', async () => {
    harness = await startTestEdge({}, { twilioAuthToken: 'twilio-auth-token' });
    const status = (headers: Record<string, string>) => new Promise<number>((resolve) => {
      const ws = new WebSocket(harness!.mediaUrl, { headers });
      ws.on('open', () => { ws.close(); resolve(101); });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(0));
    });
    expect(await status({})).toBe(403);
    expect(await status({ 'x-twilio-signature': twilioSignature('wrong-token', harness.mediaUrl) })).toBe(403);
    expect(await status({ 'x-twilio-signature': twilioSignature('twilio-auth-token', harness.mediaUrl) })).toBe(101);
  });

  it('answers 503 when the node is at its call limit', async () => {
    harness = await startTestEdge({}, { maxCalls: 1 });
    const first = new WebSocket(harness.mediaUrl);
    await new Promise((resolve) => first.on('open', resolve));
    expect(await upgradeStatus(harness.mediaUrl)).toBe(503);
    first.close();
    const metrics = await (await fetch(`${harness.edge.url}/metrics`)).text();
    expect(metrics).toMatch(/^invorto_max_calls 1$/m);
    expect(metrics).toMatch(/^invorto_calls_refused_total\{reason="capacity"\} 1$/m);
  });

  it('ends a call whose carrier stops sending media, with a final event', async () => {
    harness = await startTestEdge({}, { noMediaTimeoutMs: 1500 });
    const ws = new WebSocket(harness.mediaUrl);
    await new Promise((resolve) => ws.on('open', resolve));
    ws.send(JSON.stringify({ event: 'start', streamSid: 'MZ1', start: { streamSid: 'MZ1', callSid: 'CA1', customParameters: {}, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } } }));
    const closed = await new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    expect(closed).toBe(1000);
    const ended = readTimeline(harness.dataDir).find((e) => e.callEnded)?.callEnded;
    expect(ended?.reason).toBe('timeout');
    expect(ended?.detail).toMatch(/no media for \d+ s/);
  });

  it('drains on shutdown: no new calls, and every active call ends with its final event', async () => {
    harness = await startTestEdge({}, { drainMs: 800 });
    const calls = [1, 2, 3].map(() => placeTwilioCall({ url: harness!.mediaUrl, frames: silenceFrames(20_000), maxDurationMs: 20_000 }));
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(harness.edge.server.activeCalls).toBe(3);
    const ended = await harness.edge.server.drain(800);
    expect(ended).toBe(3);
    expect(await upgradeStatus(harness.mediaUrl)).not.toBe(101);
    const results = await Promise.all(calls);
    for (const result of results) expect(result.closeCode).toBe(1001);
    const finals = readTimeline(harness.dataDir).filter((e) => e.callEnded).map((e) => e.callEnded!.reason);
    expect(finals).toEqual(['drain', 'drain', 'drain']);
  });
});
