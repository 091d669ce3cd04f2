// Starts an edge node from resolved options; used by `invorto edge` and `invorto start`.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { EdgeSecrets } from './auth/edge-secrets.ts';
import { localMediaTokenSecret } from './auth/local-secret.ts';
import { join } from 'node:path';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { ControlAgentSource, StaticAgentSource } from './agents/agent-source.ts';
import type { AgentConfig } from './agents/types.ts';
import { ProviderRegistry } from './providers/registry.ts';
import { languagesReady } from './runtime/call-language.ts';
import { tokenCounter } from './runtime/token-count.ts';
import { EdgeServer } from './server/edge-server.ts';
import { SipServer } from './sip/sip-server.ts';
import type { DigestUser } from './sip/digest-auth.ts';
import { openTimelineSink } from '@invorto/timeline/open-timeline.ts';
import { EDGE_VERSION, EdgeHeartbeat, edgeIdFor } from './control/heartbeat.ts';
import { openLiveFeed, type LiveFeed } from './live/live-feed.ts';
import { setTimelineEdgeId } from './timeline/call-timeline.ts';
import { HistoryStore } from './runtime/history-store.ts';
import { openArtifactStore } from '@invorto/artifacts/open-store.ts';
import { CallRecordings } from './recording/call-recordings.ts';
import { watchRecordings } from './recording/recording-metrics.ts';
import { PhraseCache } from './providers/tts-cache/phrase-cache.ts';
import { S3PhraseStore, type S3Settings } from './providers/tts-cache/s3-phrase-store.ts';
import { BudgetLimits } from './budget/limits.ts';
import { setHeapGrowth } from './util/heap-growth.ts';
import type { Logger } from './util/log.ts';

export { edgeOptions, edgeStartOptions, providerKeys, reloadEdge } from './edge-options.ts';

export interface EdgeStartOptions {
  host: string;
  port: number;
  controlUrl: string;
  dataDir: string;
  internalToken: string;
  maxMessageBytes: number;
  mediaTokenSecret: string;
  maxCalls: number;
  noMediaTimeoutMs: number;
  drainMs: number;
  /** See setHeapGrowth; undefined leaves V8's default. */
  heapGrowthPercent?: number;
  twilioAuthToken?: string;
  publicUrl?: string;
  /** Which worker process this edge is (0 when there is one): names its timeline file; only worker 0 runs SIP. */
  workerIndex?: number;
  /** Serves /metrics from elsewhere (a pool aggregates its workers' registries). */
  metricsText?: () => Promise<string>;
  /** SIP: -1 (or undefined) for none. */
  sip?: {
    port: number; rtpPortMin: number; rtpPortMax: number; allow: string[]; tenantId: string;
    auth?: { realm: string; users: DigestUser[]; nonceTtlMs: number };
    session?: { expiresS: number; minSeS: number };
  };
  keys: { deepgramApiKey: string; deepgramBaseUrl: string; openaiApiKey: string; openaiBaseUrl: string; openaiModel: string };
  /** Redis URL of the call timeline; none: the embedded log file. */
  redisUrl?: string;
  /** Shared object storage: the phrase cache's node-wide tier. None: memory and local disk. */
  s3?: S3Settings;
  /** The id this edge heartbeats to control with (default hostname:port); `heartbeatMs`: how often (default 5 s). */
  edgeId?: string;
  heartbeatMs?: number;
  /** How often cached agent and number look-ups are checked against control's change feed (default 2000 ms). */
  agentPollMs?: number;
  /** With control: the spending limits' settings (tenant-budgets.ts, call-budget.ts). */
  budget?: { refreshMs?: number; maxOfflineSpendPaise?: number; closingLine?: string; tickMs?: number; billingLagMs?: number };
  /** Without control: the agent every call gets (default: the demo agent). Benchmarks and tests set their own. */
  agent?: AgentConfig;
  /** Call recording and the artifact upload queue: tests shorten the backoff and the error-log interval. */
  recording?: { spillAtBytes?: number; backoff?: { initialMs: number; maxMs: number }; errorLogIntervalMs?: number };
  log: Logger;
}

export interface RunningEdge {
  server: EdgeServer;
  sip: SipServer | null;
  url: string;
  /** The live monitor's feed (Redis, or the socket to control); null with neither. */
  live: LiveFeed | null;
  /** Stops accepting calls, lets calls in progress finish (up to the drain limit), then closes. */
  drainAndClose(): Promise<number>;
  /** Provider keys for the calls that start from now on (SIGHUP); calls in progress keep theirs. */
  reloadKeys(keys: EdgeStartOptions['keys']): void;
  /** The secrets new media sockets and INVITEs are checked with; `replace` them on SIGHUP (see reloadEdge). */
  secrets: EdgeSecrets;
  close(): Promise<void>;
}

export async function startEdge(options: EdgeStartOptions): Promise<RunningEdge> {
  if (options.heapGrowthPercent !== undefined) setHeapGrowth(options.heapGrowthPercent);
  const secrets = new EdgeSecrets({ mediaTokenSecret: options.mediaTokenSecret, twilioAuthToken: options.twilioAuthToken ?? '', sipAuthUsers: options.sip?.auth?.users ?? [] });
  // Each worker process keeps its own timeline file: appends from two processes must not interleave.
  const worker = options.workerIndex ?? 0;
  const timeline = await openTimelineSink({ redisUrl: options.redisUrl || undefined, dataDir: options.dataDir, workerIndex: worker });
  const historyFailed = onceLogged(options.log, 'call history not written');
  // Artifacts go to S3 when a bucket is set, else under the data dir; ended calls' histories are written through to it.
  const artifactStore = openArtifactStore({ dir: join(options.dataDir, 'artifacts'), s3: options.s3, log: (message) => options.log.info(message) });
  const history = new HistoryStore(join(options.dataDir, 'history'), (_callId, error) => historyFailed(error), artifactStore);
  const phraseCache = new PhraseCache({
    dir: join(options.dataDir, 'tts-cache'),
    remote: options.s3?.bucket ? new S3PhraseStore(options.s3, onceLogged(options.log, 'phrase cache: S3 unavailable, local tiers only for 30 s')) : undefined,
  });
  const providers = new ProviderRegistry(options.keys, phraseCache);
  const staticAgent = options.controlUrl ? null : (options.agent ?? demoAgent('default'));
  await warmForCalls(providers, staticAgent, options.log);
  // Agent and number look-ups, cached and kept fresh by control's change feed (SIP numbers route through it too).
  const agents = staticAgent ? new StaticAgentSource(staticAgent) : new ControlAgentSource(options.controlUrl, options.internalToken, { log: options.log, pollMs: options.agentPollMs });
  const limits = options.controlUrl && options.internalToken
    ? new BudgetLimits({ controlUrl: options.controlUrl, internalToken: options.internalToken, log: options.log, ...options.budget })
    : undefined;
  const server = new EdgeServer({
    host: options.host,
    port: options.port,
    agents,
    providers,
    timeline,
    log: options.log,
    maxMessageBytes: options.maxMessageBytes,
    secrets,
    maxCalls: options.maxCalls,
    noMediaTimeoutMs: options.noMediaTimeoutMs,
    publicUrl: options.publicUrl || undefined,
    metricsText: options.metricsText,
    workerIndex: worker,
    history,
    internalToken: options.internalToken,
    limits,
  });
  // The upload queue resumes what a previous run left.
  const recordings = new CallRecordings({ dataDir: options.dataDir, store: artifactStore, log: options.log, spillAtBytes: options.recording?.spillAtBytes, queue: options.recording });
  let sip: SipServer | null = null;
  let heartbeat: EdgeHeartbeat | null = null;
  let live: LiveFeed | null = null;
  let draining = false;
  try {
    await recordings.start();
    watchRecordings(server.metrics.registry, recordings);
    server.calls.record(recordings);
    await server.listen();
    const edgeId = edgeIdFor(options.edgeId, server.port, worker);
    setTimelineEdgeId(timeline, edgeId);
    live = openLiveFeed({ host: server.calls, redisUrl: options.redisUrl, controlUrl: options.controlUrl, internalToken: options.internalToken, edgeId, log: options.log });
    if (options.controlUrl && options.internalToken) {
      heartbeat = new EdgeHeartbeat({
        controlUrl: options.controlUrl, internalToken: options.internalToken, edgeId, address: options.publicUrl || server.url, version: EDGE_VERSION,
        activeCalls: () => server.activeCalls, draining: () => draining, intervalMs: options.heartbeatMs, log: options.log,
      }).start();
    }
    // SIP listens in one process (worker 0), which then owns its calls' RTP sockets too.
    if (options.sip && options.sip.port >= 0 && worker === 0) {
      const auth = options.sip.auth && { ...options.sip.auth, users: () => secrets.sipAuthUsers };
      sip = new SipServer({ host: options.host, ...options.sip, auth, edge: server.calls, numbers: agents, log: options.log });
      await sip.listen().catch((error: Error) => {
        throw new Error(`SIP could not listen on udp ${options.host}:${options.sip!.port}: ${error.message} (set INVORTO_SIP_PORT, or -1 to turn SIP off)`);
      });
    }
  } catch (error) {
    await live?.close();
    limits?.close();
    await heartbeat?.stop();
    await server.close();
    await timeline.close();
    await phraseCache.close();
    await history.close();
    await recordings.close();
    throw error;
  }
  return {
    server,
    sip,
    url: server.url,
    live,
    reloadKeys: (keys) => providers.reloadKeys(keys),
    secrets,
    async drainAndClose() {
      draining = true;
      void heartbeat?.beat();
      // SIP calls are hosted by the server's call host, so its drain waits for (and counts) them; meanwhile the SIP
      // server answers 503 to new INVITEs and to OPTIONS probes, and its dialogs get to send their BYEs.
      const [ended] = await Promise.all([server.drain(options.drainMs), sip?.drain(options.drainMs + 2000)]);
      sip?.close();
      await heartbeat?.stop();
      await live?.close();
      await server.close();
      agents.close?.();
      limits?.close();
      await timeline.close();
      await phraseCache.close();
      await history.close();
      await recordings.close();
      return ended;
    },
    async close() {
      sip?.close();
      await heartbeat?.stop();
      await live?.close();
      await server.close();
      agents.close?.();
      limits?.close();
      await timeline.close();
      await phraseCache.close();
      await history.close();
      await recordings.close();
    },
  };
}

/** The media token secret: the configured one, else one kept in the data dir (created on first use, owner-only). */
export function mediaTokenSecretFor(configured: string, dataDir: string): string {
  const existing = localMediaTokenSecret(configured, dataDir);
  if (existing) return existing;
  const file = join(dataDir, 'media-token.secret');
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** Logs a recurring failure once a minute at most: a dead dependency must not flood the log. */
function onceLogged(log: Logger, message: string): (error: Error) => void {
  let lastMs = 0;
  return (error) => {
    if (Date.now() - lastMs < 60_000) return;
    lastMs = Date.now();
    log.warn({ err: error.message }, message);
  };
}

/**
 * Loads providers, the tokenizer (and language detection for a multilingual agent) before the node takes calls. A
 * failure is not fatal here: each call then reports it as it starts, as it would have without the warm-up.
 */
async function warmForCalls(providers: ProviderRegistry, agent: AgentConfig | null, log: Logger): Promise<void> {
  const startedMs = performance.now();
  try {
    await Promise.all([providers.warm(agent), agent ? languagesReady(agent) : null, tokenCounter().ready()]);
    log.debug({ ms: Math.round(performance.now() - startedMs) }, 'providers loaded');
  } catch (error) {
    log.warn({ err: (error as Error).message }, 'providers could not be loaded before the first call');
  }
}
