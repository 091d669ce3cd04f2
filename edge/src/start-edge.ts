// Starts an edge node from resolved options; used by `invorto edge` and `invorto start`.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { localMediaTokenSecret } from './auth/local-secret.ts';
import { join } from 'node:path';
import type { OptionSpec } from '../../bin/options.ts';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { ControlAgentSource, StaticAgentSource } from './agents/agent-source.ts';
import type { AgentConfig } from './agents/types.ts';
import { ProviderRegistry } from './providers/registry.ts';
import { languagesReady } from './runtime/call-language.ts';
import { tokenCounter } from './runtime/token-count.ts';
import { EdgeServer } from './server/edge-server.ts';
import { SipServer } from './sip/sip-server.ts';
import { parseDigestUsers, type DigestUser } from './sip/digest-auth.ts';
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
import { BudgetLimits, DEFAULT_CLOSING_LINE } from './budget/limits.ts';
import { setHeapGrowth } from './util/heap-growth.ts';
import type { Logger } from './util/log.ts';

export const edgeOptions = {
  'edge-host': { env: 'INVORTO_EDGE_HOST', default: '127.0.0.1', description: 'address the edge binds (media WebSockets, /health, /metrics)' },
  'edge-port': { env: 'INVORTO_EDGE_PORT', default: 8081, description: 'port of the edge (0 = any free port)' },
  'control-url': { env: 'INVORTO_CONTROL_URL', default: '', description: 'control service the edge reads agents from (empty: the built-in demo agent)' },
  'data-dir': { env: 'INVORTO_DATA_DIR', default: './data', description: 'folder for the embedded database, timeline log and artifacts' },
  'internal-token': { env: 'INVORTO_INTERNAL_TOKEN', default: '', description: 'shared secret between edge and control', secret: true },
  'agent-poll-ms': { env: 'INVORTO_AGENT_POLL_MS', default: 2000, description: "how often the edge asks control which agents and numbers changed (its cached look-ups are dropped then)" },
  'budget-refresh-ms': { env: 'INVORTO_BUDGET_REFRESH_MS', default: 10000, description: "how often the edge asks control for the budget of each tenant with calls on it (with control)" },
  'budget-offline-paise': { env: 'INVORTO_BUDGET_OFFLINE_PAISE', default: 50000, description: 'while control does not answer, what one tenant may spend through this edge past its last good answer, in paise (the partition bound)' },
  'cost-limit-line': { env: 'INVORTO_COST_LIMIT_LINE', default: DEFAULT_CLOSING_LINE, description: 'what the agent says before it hangs up at the per-call cap or when the tenant\'s budget runs out (empty: hang up at once)' },
  'edge-id': { env: 'INVORTO_EDGE_ID', default: '', description: 'this edge\'s id in control\'s heartbeats and call records (empty: hostname:port)' },
  'max-message-bytes': { env: 'INVORTO_MAX_MESSAGE_BYTES', default: 65536, description: 'largest media-socket message accepted' },
  'media-token-secret': { env: 'INVORTO_MEDIA_TOKEN_SECRET', default: '', description: 'secret media tokens are signed with (`invorto start` keeps one in the data dir when unset)', secret: true },
  'max-calls': { env: 'INVORTO_MAX_CALLS', default: 500, description: 'calls one edge takes at once; more are refused with 503' },
  'no-media-timeout-s': { env: 'INVORTO_NO_MEDIA_TIMEOUT_S', default: 10, description: 'end a call whose carrier sends no media for this long' },
  'twilio-auth-token': { env: 'INVORTO_TWILIO_AUTH_TOKEN', default: '', description: 'when set, Twilio media sockets must carry a valid X-Twilio-Signature', secret: true },
  'public-url': { env: 'INVORTO_PUBLIC_URL', default: '', description: 'the edge\'s URL as carriers reach it (wss://host[:port]), for signature checks behind a proxy' },
  'sip-port': { env: 'INVORTO_SIP_PORT', default: 5060, description: 'UDP port of the SIP user-agent server (on the edge host; -1 turns SIP off)' },
  'rtp-port-min': { env: 'INVORTO_RTP_PORT_MIN', default: 20000, description: 'lowest RTP port for SIP calls' },
  'rtp-port-max': { env: 'INVORTO_RTP_PORT_MAX', default: 20999, description: 'highest RTP port for SIP calls' },
  'sip-allow': { env: 'INVORTO_SIP_ALLOW', default: '127.0.0.1', description: 'comma-separated source addresses SIP requests are served from (403 otherwise)' },
  'sip-tenant': { env: 'INVORTO_SIP_TENANT', default: 'default', description: 'tenant of SIP calls (the request URI\'s user part names the agent)' },
  'sip-auth-realm': { env: 'INVORTO_SIP_AUTH_REALM', default: 'invorto', description: 'digest realm of SIP INVITE authentication' },
  'sip-auth-users': { env: 'INVORTO_SIP_AUTH_USERS', default: '', description: 'comma-separated user:password[@trunk-address]: INVITEs from those trunks (every trunk, for a user without an address) must pass digest auth (401, 403 when wrong); empty: none', secret: true },
  'sip-auth-nonce-ttl-s': { env: 'INVORTO_SIP_AUTH_NONCE_TTL_S', default: 60, description: 'how long a digest nonce is accepted (each one once)' },
  'sip-session-expires-s': { env: 'INVORTO_SIP_SESSION_EXPIRES_S', default: 1800, description: 'SIP session timer (RFC 4028) asked for when the caller names none; a call not refreshed in time is ended (0 = off)' },
  'sip-min-se-s': { env: 'INVORTO_SIP_MIN_SE_S', default: 90, description: 'shortest SIP session interval accepted (422 below it)' },
  workers: { env: 'INVORTO_EDGE_WORKERS', default: 1, description: '`invorto edge`: processes sharing the edge port, one per core with 0 (SO_REUSEPORT; SIP on the first)' },
  'heap-growth-percent': { env: 'INVORTO_HEAP_GROWTH_PERCENT', default: 100, description: 'how far the JS heap may grow past live data before a full garbage collection, which pauses every call (0: V8\'s default, about 20)' },
  'drain-s': { env: 'INVORTO_DRAIN_S', default: 30, description: 'on SIGTERM, how long calls in progress may go on before they are ended' },
  'deepgram-api-key': { env: 'DEEPGRAM_API_KEY', default: '', description: 'Deepgram key: enables Deepgram ASR and Aura-2 TTS for agents on "auto"', secret: true },
  'deepgram-url': { env: 'DEEPGRAM_BASE_URL', default: '', description: 'Deepgram API base URL (for emulators or a proxy)' },
  'openai-api-key': { env: 'OPENAI_API_KEY', default: '', description: 'OpenAI key: enables OpenAI chat for agents on "auto"', secret: true },
  'openai-url': { env: 'OPENAI_BASE_URL', default: '', description: 'OpenAI API base URL (for emulators or a proxy)' },
  'openai-model': { env: 'OPENAI_MODEL', default: 'gpt-4o-mini', description: 'OpenAI chat model' },
  'redis-url': { env: 'REDIS_URL', default: '', description: 'Redis for the call timeline (Streams, spooled locally while unreachable); empty: the embedded log in the data dir', secret: true },
  's3-bucket': { env: 'INVORTO_S3_BUCKET', default: '', description: 'S3 bucket shared by edge nodes (phrase cache); empty: local disk only' },
  's3-endpoint': { env: 'INVORTO_S3_ENDPOINT', default: '', description: 'S3-API endpoint (path-style) for a non-AWS server; empty: AWS' },
  's3-region': { env: 'INVORTO_S3_REGION', default: 'us-east-1', description: 'S3 region' },
  's3-access-key-id': { env: 'INVORTO_S3_ACCESS_KEY_ID', default: '', description: 'S3 access key id (empty: the AWS default credential chain)' },
  's3-secret-access-key': { env: 'INVORTO_S3_SECRET_ACCESS_KEY', default: '', description: 'S3 secret access key', secret: true },
  's3-prefix': { env: 'INVORTO_S3_PREFIX', default: '', description: 'prefix of every object key Invorto writes (e.g. "prod/")' },
} satisfies Record<string, OptionSpec>;

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
  close(): Promise<void>;
}

export async function startEdge(options: EdgeStartOptions): Promise<RunningEdge> {
  if (options.heapGrowthPercent !== undefined) setHeapGrowth(options.heapGrowthPercent);
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
    mediaTokenSecret: options.mediaTokenSecret,
    maxCalls: options.maxCalls,
    noMediaTimeoutMs: options.noMediaTimeoutMs,
    twilioAuthToken: options.twilioAuthToken || undefined,
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
      sip = new SipServer({ host: options.host, ...options.sip, edge: server.calls, numbers: agents, log: options.log });
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

export function edgeStartOptions(values: { [K in keyof typeof edgeOptions]: (typeof edgeOptions)[K]['default'] extends number ? number : string }, log: Logger): EdgeStartOptions {
  return {
    host: values['edge-host'],
    port: values['edge-port'],
    controlUrl: values['control-url'],
    dataDir: values['data-dir'],
    internalToken: values['internal-token'],
    edgeId: values['edge-id'],
    agentPollMs: values['agent-poll-ms'],
    budget: { refreshMs: values['budget-refresh-ms'], maxOfflineSpendPaise: values['budget-offline-paise'], closingLine: values['cost-limit-line'] },
    maxMessageBytes: values['max-message-bytes'],
    mediaTokenSecret: values['media-token-secret'],
    maxCalls: values['max-calls'],
    noMediaTimeoutMs: values['no-media-timeout-s'] * 1000,
    drainMs: values['drain-s'] * 1000,
    heapGrowthPercent: values['heap-growth-percent'],
    twilioAuthToken: values['twilio-auth-token'],
    publicUrl: values['public-url'],
    sip: {
      port: values['sip-port'], rtpPortMin: values['rtp-port-min'], rtpPortMax: values['rtp-port-max'],
      allow: values['sip-allow'].split(',').map((a) => a.trim()).filter(Boolean), tenantId: values['sip-tenant'],
      auth: { realm: values['sip-auth-realm'], users: parseDigestUsers(values['sip-auth-users']), nonceTtlMs: values['sip-auth-nonce-ttl-s'] * 1000 },
      session: { expiresS: values['sip-session-expires-s'], minSeS: values['sip-min-se-s'] },
    },
    keys: {
      deepgramApiKey: values['deepgram-api-key'],
      deepgramBaseUrl: values['deepgram-url'],
      openaiApiKey: values['openai-api-key'],
      openaiBaseUrl: values['openai-url'],
      openaiModel: values['openai-model'],
    },
    redisUrl: values['redis-url'],
    s3: values['s3-bucket'] ? {
      bucket: values['s3-bucket'], endpoint: values['s3-endpoint'], region: values['s3-region'], prefix: values['s3-prefix'],
      accessKeyId: values['s3-access-key-id'], secretAccessKey: values['s3-secret-access-key'],
    } : undefined,
    log,
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
