// `invorto edge`: one edge node on its own, reading agents from a control service (or the demo agent).
import { helpText, parseOptions } from '../../../bin/options.ts';
import { edgeOptions, edgeStartOptions, reloadEdge, startEdge } from '../start-edge.ts';
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { createLogger } from '../util/log.ts';
import { freePort, runPrimary, workerMetrics } from './edge-pool.ts';
import { holdReloadSignals, untilSignal } from '../../../bin/signals.ts';
import { secretReloader } from '../../../bin/secrets-reload.ts';

/**
 * What SIGHUP re-reads (from the variables or their *_FILE files): the provider keys new calls are made with and
 * the secrets new media sockets and INVITEs are checked with (reloadEdge). The internal token is not among them:
 * control reads its side once, so the two could only be changed together by a restart.
 */
export const reloadableEdgeOptions = ['deepgram-api-key', 'openai-api-key', 'media-token-secret', 'twilio-auth-token', 'sip-auth-users'] as const;

export async function run(argv: string[]): Promise<number> {
  const { values, help } = parseOptions(edgeOptions, argv);
  if (help) {
    console.log(helpText('usage: invorto edge [options]', edgeOptions));
    return 0;
  }
  const log = createLogger({ service: 'edge', level: process.env.INVORTO_LOG_LEVEL });
  if (!values['media-token-secret']) {
    console.error('invorto edge: set INVORTO_MEDIA_TOKEN_SECRET (the secret carriers\' media tokens are signed with; mint them with `invorto token`)');
    return 2;
  }
  const whenReady = holdReloadSignals();
  const workers = values.workers > 0 ? values.workers : availableParallelism();
  if (cluster.isPrimary && workers > 1) {
    const port = values['edge-port'] === 0 ? await freePort(values['edge-host']) : values['edge-port'];
    // Each worker re-reads the options itself and reloads its own providers and secrets (SIP's in worker 0).
    whenReady(() => { for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGHUP'); });
    return runPrimary(workers, port, argv, untilSignal);
  }
  const workerIndex = Number(process.env.INVORTO_EDGE_WORKER_INDEX ?? 0);
  const options = { ...edgeStartOptions(values, log.child({ worker: workerIndex })), workerIndex };
  // In a pool, every worker listens on the port the primary chose (over any flag the command line carries).
  if (process.env.INVORTO_EDGE_POOL_PORT) options.port = Number(process.env.INVORTO_EDGE_POOL_PORT);
  // Metrics go through the primary only in a pool: the registry exists once startEdge has made the server.
  let pooled: (() => Promise<string>) | null = null;
  if (cluster.isWorker) options.metricsText = () => pooled!();
  const edge = await startEdge(options);
  if (cluster.isWorker) pooled = workerMetrics(edge.server.metrics.registry);
  log.info({ url: edge.url, worker: workerIndex }, 'edge listening');
  whenReady(secretReloader({ specs: edgeOptions, argv, started: values, reloadable: [...reloadableEdgeOptions], log, apply: (fresh) => reloadEdge(edge, fresh) }));
  const signal = await untilSignal();
  log.info({ signal, drainS: values['drain-s'] }, 'draining');
  const ended = await edge.drainAndClose();
  log.info({ ended }, 'edge stopped');
  if (cluster.isWorker) process.disconnect(); // the IPC channel would keep the worker alive
  return 0;
}
