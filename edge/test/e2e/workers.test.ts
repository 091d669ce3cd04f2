// `invorto edge --workers 2`: two processes on one port. Calls spread over both, each keeps its own timeline, /metrics
// on either shows the whole pool, and SIGTERM drains and stops them all.
import { get } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mintMediaToken } from '../../src/auth/media-token.ts';
import { freePort } from '../../src/cli/edge-pool.ts';
import { placeTwilioCall } from '../../src/sim/carrier-caller.ts';
import { EmbeddedLog } from '@invorto/timeline/embedded-log.ts';
import { silenceFrames } from '../../src/sim/caller-sounds.ts';
import { spawnInvorto } from '../helpers/invorto-process.ts';

/** A GET on a new connection each time (fetch would reuse one, and so always reach the same worker). */
function freshGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
  });
}

describe('edge worker processes', () => {
  it('spreads calls over the workers, aggregates their metrics, and stops on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'invorto-pool-'));
    const port = await freePort('127.0.0.1');
    const invorto = spawnInvorto(['edge', '--workers', '2', '--edge-port', String(port), '--sip-port=-1', '--data-dir', dataDir, '--drain-s', '1'], { INVORTO_MEDIA_TOKEN_SECRET: 'pool-secret', INVORTO_LOG_LEVEL: 'warn' });
    try {
      const workersSeen = new Set<number>();
      const deadline = Date.now() + 30_000;
      while (workersSeen.size < 2 && Date.now() < deadline) {
        const health = await freshGet(port, '/health').then((body) => JSON.parse(body), () => null);
        if (health) workersSeen.add(health.worker);
        else await new Promise((r) => setTimeout(r, 100));
      }
      expect([...workersSeen].sort()).toEqual([0, 1]);
      const token = mintMediaToken('pool-secret', { tenantId: 'default', agentId: 'demo', expiresAt: Date.now() / 1000 + 600 });
      const url = `ws://127.0.0.1:${port}/media/twilio?token=${token}`;
      const results = await Promise.all(Array.from({ length: 12 }, () => placeTwilioCall({ url, frames: silenceFrames(1000), quietHangupMs: 200, maxDurationMs: 10_000 })));
      for (const result of results) expect(result.closeCode).toBe(1000);
      await new Promise((r) => setTimeout(r, 500));
      const perWorker = ['events.log', 'events-w1.log'].map((file) => EmbeddedLog.read(join(dataDir, 'timeline', file)).length);
      expect(perWorker.every((n) => n > 0), `events per worker ${perWorker}`).toBe(true);
      const metrics = await freshGet(port, '/metrics');
      expect(/^invorto_calls_total\{outcome="caller_hangup"\} (\d+)/m.exec(metrics)?.[1]).toBe('12');
      expect(await invorto.stop(), invorto.output()).toBe(0);
    } finally {
      invorto.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
