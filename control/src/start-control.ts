// Starts the control service from resolved options; used by `invorto control` and `invorto start`.
import { join } from 'node:path';
import type { OptionSpec } from '../../bin/options.ts';
import { ControlDb } from './db.ts';
import { ControlServer } from './http-server.ts';
import { openTimelineReader } from '@invorto/timeline/open-timeline.ts';
import { ingestTimeline } from './timeline-ingest.ts';

export const controlOptions = {
  'control-host': { env: 'INVORTO_CONTROL_HOST', default: '127.0.0.1', description: 'address the control HTTP API binds' },
  'control-port': { env: 'INVORTO_CONTROL_PORT', default: 8080, description: 'port of the control HTTP API (0 = any free port)' },
  'data-dir': { env: 'INVORTO_DATA_DIR', default: './data', description: 'folder for the embedded database, timeline log and artifacts' },
  'internal-token': { env: 'INVORTO_INTERNAL_TOKEN', default: '', description: 'shared secret between edge and control (generated per run when empty)', secret: true },
  'redis-url': { env: 'REDIS_URL', default: '', description: 'Redis for the call timeline (Streams); empty: the embedded log in the data dir', secret: true },
} satisfies Record<string, OptionSpec>;

export interface RunningControl {
  url: string;
  tenantId: string;
  /** Set only on the very first start, when the default tenant's key is created. */
  newApiKey: string | null;
  close(): Promise<void>;
}

export async function startControl(options: { host: string; port: number; dataDir: string; internalToken: string; redisUrl?: string; log?: (line: Record<string, unknown>) => void }): Promise<RunningControl> {
  const db = new ControlDb(join(options.dataDir, 'invorto.db'));
  // Call records come from the timeline the edges write: Redis when configured, else the embedded log files.
  const reader = await openTimelineReader({ redisUrl: options.redisUrl || undefined, dataDir: options.dataDir });
  const ingest = ingestTimeline(db, reader);
  const { tenantId, apiKey } = db.seedDefaults();
  const server = new ControlServer({ db, host: options.host, port: options.port, internalToken: options.internalToken, log: options.log });
  try {
    await server.listen();
  } catch (error) {
    await ingest.close();
    await reader.close?.();
    db.close();
    throw new Error(`control could not listen on ${options.host}:${options.port}: ${(error as Error).message} (set INVORTO_CONTROL_PORT or --control-port)`);
  }
  return {
    url: server.url,
    tenantId,
    newApiKey: apiKey,
    async close() {
      await server.close();
      await ingest.close();
      await reader.close?.();
      db.close();
    },
  };
}
