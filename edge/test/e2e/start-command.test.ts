// `invorto start` (what `npm start` runs) brings up control and edge, answers /health on both, and stops on SIGTERM.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnInvorto } from '../helpers/invorto-process.ts';
import { REDIS_SERVER_MISSING_REASON, redisServerMissing, startRedisServer } from '../helpers/redis-server.ts';
import { mintMediaToken } from '../../src/auth/media-token.ts';
import { mediaTokenSecretFor } from '../../src/start-edge.ts';
import { placeTwilioCall } from '../../src/sim/carrier-caller.ts';
import { silenceFrames, speechFrames } from '../../src/sim/caller-sounds.ts';

describe('invorto start', () => {
  it('serves /health on control and edge, and exits cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'invorto-start-'));
    const invorto = spawnInvorto(['start', '--control-port', '0', '--internal-port', '0', '--edge-port', '0', '--sip-port', '0', '--data-dir', dataDir], { INVORTO_LOG_LEVEL: 'warn' });
    try {
      const deadline = Date.now() + 60_000;
      while (!/Invorto is running/.test(invorto.output()) || !/media/.test(invorto.output())) {
        if (Date.now() > deadline || invorto.child.exitCode !== null) throw new Error(`invorto start did not come up:\n${invorto.output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const control = /control\s+(http:\/\/\S+)/.exec(invorto.output())![1];
      const edge = /edge\s+(http:\/\/\S+)/.exec(invorto.output())![1];
      expect(await (await fetch(`${control}/health`)).json()).toMatchObject({ status: 'ok', service: 'control' });
      expect(await (await fetch(`${edge}/health`)).json()).toMatchObject({ status: 'ok', service: 'edge' });
      const metrics = await (await fetch(`${edge}/metrics`)).text();
      expect(metrics).toContain('invorto_active_calls');
      expect(invorto.output()).toMatch(/API key\s+ivk_/);
      // The test call it suggests needs no file, and names this run's port and data dir.
      expect(invorto.output()).toContain(`Place a test call:  npx invorto call --say "What time do you open tomorrow?" --to ${edge.replace(/^http/, 'ws')}/media/twilio --data-dir "${dataDir}" --out reply.wav`);
      expect(await invorto.stop()).toBe(0);
    } finally {
      invorto.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  // The embedded log (no servers), and Redis Streams (a real redis-server) when it is installed.
  const timelineCase = async (useRedis: boolean) => {
    const redis = useRedis ? await startRedisServer() : null;
    const redisEnv: Record<string, string> = redis ? { REDIS_URL: redis.url } : {};
    const dataDir = mkdtempSync(join(tmpdir(), 'invorto-start-'));
    const invorto = spawnInvorto(['start', '--control-port', '0', '--internal-port', '0', '--edge-port', '0', '--sip-port=-1', '--data-dir', dataDir], { INVORTO_LOG_LEVEL: 'warn', ...redisEnv });
    try {
      const deadline = Date.now() + 60_000;
      while (!/API key\s+ivk_/.test(invorto.output())) {
        if (Date.now() > deadline || invorto.child.exitCode !== null) throw new Error(`invorto start did not come up:\n${invorto.output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const control = /control\s+(http:\/\/\S+)/.exec(invorto.output())![1];
      const media = /media\s+(ws:\/\/\S+)\?token/.exec(invorto.output())![1];
      const apiKey = /API key\s+(ivk_\S+)/.exec(invorto.output())![1];
      const token = mintMediaToken(mediaTokenSecretFor('', dataDir), { tenantId: 'default', agentId: 'demo', expiresAt: Date.now() / 1000 + 600 });
      // The caller waits out the greeting (on a busy machine the offline voice may take seconds to start it).
      const frames = [...silenceFrames(1000), ...(await speechFrames('What are your opening hours?')), ...silenceFrames(500)];
      const call = await placeTwilioCall({ url: `${media}?token=${token}`, frames, quietHangupMs: 5000, maxDurationMs: 40_000, afterGreeting: true });
      const api = async (path: string) => (await fetch(`${control}${path}`, { headers: { authorization: `Bearer ${apiKey}` } })).json() as Promise<Record<string, unknown>>;

      let record: Record<string, unknown> = {};
      for (const until = Date.now() + 10_000; !record.outcome && Date.now() < until;) {
        const { calls } = await api('/v1/calls') as { calls: Record<string, unknown>[] };
        record = calls[0] ?? {};
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(record).toMatchObject({ agentId: 'demo', agentVersion: 1, transport: 'twilio', outcome: 'caller_hangup', turnCount: 2 });
      const callId = String(record.id);
      const detail = await api(`/v1/calls/${encodeURIComponent(callId)}`) as { transcript: { speaker: string; text: string }[] };
      expect(detail.transcript.map((t) => t.speaker)).toEqual(['agent', 'caller', 'agent']);
      expect(detail.transcript[2].text).toMatch(/open from nine/);
      const { events } = await api(`/v1/calls/${encodeURIComponent(callId)}/timeline`) as { events: { seq: number; kind: string }[] };
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events[0].kind).toBe('callStarted');
      expect(events.at(-1)!.kind).toBe('callEnded');
      expect(call.closeCode).toBe(1000);

      const cli = spawnInvorto(['timeline', callId, '--data-dir', dataDir], redisEnv);
      if (redis) expect(existsSync(join(dataDir, 'timeline', 'events.log'))).toBe(false); // it all went to Redis
      expect(await cli.exited).toBe(0);
      const lines = cli.stdout().trim().split('\n').map((line) => JSON.parse(line) as { seq: number; kind: string });
      expect(lines.map((l) => [l.seq, l.kind])).toEqual(events.map((e) => [e.seq, e.kind]));
      const missing = spawnInvorto(['timeline', 'no-such-call', '--data-dir', dataDir], redisEnv);
      expect(await missing.exited).toBe(1);
      expect(missing.output()).toMatch(/no events for call "no-such-call"/);
      expect(await invorto.stop()).toBe(0);
    } finally {
      invorto.kill();
      await redis?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  };
  const title = 'keeps each call\'s timeline: control builds the call record from it, and `invorto timeline` prints it in order';
  it(`${title} (the embedded log)`, () => timelineCase(false), 120_000);
  // A missing redis-server is a reported skip, never a silent pass.
  it.skipIf(redisServerMissing)(`${title} (Redis Streams${redisServerMissing ? `: ${REDIS_SERVER_MISSING_REASON}` : ''})`, () => timelineCase(true), 120_000);
});
