// A real edge heartbeating to a real control: it is listed up under its id, a call it hosts is recorded with that
// edge id, and once the edge is gone control marks it lost.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintMediaToken } from '../src/auth/media-token.ts';
import { startEdge, type RunningEdge } from '../src/start-edge.ts';
import { silentLogger } from '../src/util/log.ts';
import { placeTwilioCall } from '../src/sim/carrier-caller.ts';
import { silenceFrames } from '../src/sim/caller-sounds.ts';
import { dialects, INTERNAL_TOKEN, startTestControl, type TestControl } from '../../control/test/helpers/test-control.ts';

async function until<T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(dialects())('edge heartbeats to control on %s', (dialect) => {
  let t: TestControl;
  let edge: RunningEdge | null = null;
  const mediaTokenSecret = randomBytes(16).toString('hex');
  beforeAll(async () => {
    t = await startTestControl(dialect, { ingestTimeline: true, settings: { edgeLostAfterS: 1, edgeSweepEveryMs: 100 } });
    // The edge writes its timeline where this control reads it (the embedded log in one data dir).
    edge = await startEdge({
      host: '127.0.0.1', port: 0, controlUrl: t.internalUrl, dataDir: t.dataDir, internalToken: INTERNAL_TOKEN, maxMessageBytes: 65536,
      mediaTokenSecret, maxCalls: 10, noMediaTimeoutMs: 10_000, drainMs: 1000, edgeId: 'edge-e2e', heartbeatMs: 100,
      keys: { deepgramApiKey: '', deepgramBaseUrl: '', openaiApiKey: '', openaiBaseUrl: '', openaiModel: 'gpt-4o-mini' }, log: silentLogger,
    });
  });
  afterAll(async () => {
    await edge?.close();
    await t?.close();
  });

  const edges = async () => (await (await t.api('/v1/edges')).json()).edges as { id: string; state: string; address: string; version: string }[];

  it('is listed up under its id, and its calls carry that id; when it stops it is marked lost', async () => {
    const listed = await until(async () => (await edges()).find((e) => e.id === 'edge-e2e'), 'the edge listed');
    expect(listed).toMatchObject({ state: 'up', address: edge!.url, version: expect.any(String) });
    const token = mintMediaToken(mediaTokenSecret, { tenantId: 'default', agentId: 'demo', expiresAt: Date.now() / 1000 + 600 });
    const call = await placeTwilioCall({ url: `${edge!.url.replace(/^http/, 'ws')}/media/twilio?token=${token}`, frames: silenceFrames(1000), quietHangupMs: 500, maxDurationMs: 15_000 });
    const record = await until(async () => {
      const list = await (await t.api('/v1/calls?limit=5')).json();
      const found = list.calls.find((c: { outcome: string | null }) => c.outcome);
      return found;
    }, 'the call record', 20_000);
    expect(record).toMatchObject({ edgeId: 'edge-e2e', agentId: 'demo', transport: 'twilio' });
    expect(call).toBeTruthy();
    await edge!.close();
    edge = null;
    const startedMs = Date.now();
    await until(async () => (await edges()).find((e) => e.id === 'edge-e2e' && e.state === 'lost'), 'the edge marked lost', 10_000);
    expect(Date.now() - startedMs).toBeLessThan(5000);
  });
});
