// The control plane as it is now, started in this process on SQLite or on a PostgreSQL the bench started, with
// the rate limit lifted (a benchmark is one client making thousands of requests) and 100,000 calls inserted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControl, type RunningControl } from '@invorto/control/start-control.ts';
import { insertSyntheticCalls } from '@invorto/control/modules/calls/synthetic-calls.ts';

export interface NewControl { control: RunningControl; apiKey: string; internalToken: string; close(): Promise<void> }

export async function startNewControl(options: { databaseUrl?: string; calls: number; seed: number; onProgress?: (done: number, total: number) => void }): Promise<NewControl> {
  const dataDir = mkdtempSync(join(tmpdir(), 'invorto-bench-control-'));
  const internalToken = 'bench-internal-token';
  const control = await startControl({
    host: '127.0.0.1', port: 0, internalPort: 0, dataDir, internalToken, databaseUrl: options.databaseUrl, ingestTimeline: false,
    settings: { rateLimitPerMin: 100_000_000 },
  });
  await insertSyntheticCalls(control.ctx.database.db, { tenantId: control.tenantId, count: options.calls, seed: options.seed, dialect: control.ctx.database.dialect, onProgress: options.onProgress });
  return {
    control, apiKey: control.newApiKey!, internalToken,
    async close() {
      await control.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
