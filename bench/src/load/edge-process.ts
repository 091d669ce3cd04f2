// The edge under load, in its own process: what `invorto edge` runs (the same options, parsed from the same flags
// and environment, and startEdge), with the bench agent in place of the demo one, plus an event-loop monitor the
// bench reads over IPC (loop-monitor.ts). Run with --cpu-prof to profile the hot path.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOptions } from '../../../bin/options.ts';
import { edgeOptions, edgeStartOptions, startEdge } from '@invorto/edge/start-edge.ts';
import { createLogger } from '@invorto/edge/util/log.ts';
import { answerLoopStats } from './loop-monitor.ts';
import { benchAgent, exitWithParent, report } from './shared.ts';

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'invorto-bench-load-'));
  // Flags beat the environment: the bench's own edge ignores a control service or Twilio signing configured there.
  const { values } = parseOptions(edgeOptions, ['--edge-port', '0', '--sip-port=-1', '--data-dir', dataDir, '--drain-s', '1', '--control-url=', '--twilio-auth-token=', ...process.argv.slice(2)]);
  const log = createLogger({ service: 'edge', level: process.env.INVORTO_LOG_LEVEL ?? 'warn' });
  const edge = await startEdge({ ...edgeStartOptions(values, log), agent: benchAgent() });
  answerLoopStats();
  exitWithParent(async () => {
    await edge.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  report({ type: 'ready', port: edge.server.port });
}

void main();
