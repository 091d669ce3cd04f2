// The edge's options (every one a flag and an environment variable, README's configuration table) and how their
// values become the options an edge is started with.
import type { OptionSpec } from '../../bin/options.ts';
import { DEFAULT_CLOSING_LINE } from './budget/limits.ts';
import { parseDigestUsers } from './sip/digest-auth.ts';
import type { EdgeStartOptions, RunningEdge } from './start-edge.ts';
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

type EdgeValues = { [K in keyof typeof edgeOptions]: (typeof edgeOptions)[K]['default'] extends number ? number : string };

/** The provider keys and endpoints: at start, and again on SIGHUP (nothing else is re-derived then). */
export function providerKeys(values: Pick<EdgeValues, 'deepgram-api-key' | 'deepgram-url' | 'openai-api-key' | 'openai-url' | 'openai-model'>): EdgeStartOptions['keys'] {
  return {
    deepgramApiKey: values['deepgram-api-key'],
    deepgramBaseUrl: values['deepgram-url'],
    openaiApiKey: values['openai-api-key'],
    openaiBaseUrl: values['openai-url'],
    openaiModel: values['openai-model'],
  };
}

/**
 * SIGHUP: new provider keys, media token secret, Twilio auth token and SIP digest users for the sockets, INVITEs and
 * calls that start from now on; those in progress go on. Everything is derived before anything is applied, so a bad
 * value (a malformed user list, an emptied secret) changes nothing and its error names the option, not the value.
 */
export function reloadEdge(edge: Pick<RunningEdge, 'reloadKeys' | 'secrets'>, values: EdgeValues): void {
  const keys = providerKeys(values);
  edge.secrets.replace({ mediaTokenSecret: values['media-token-secret'], twilioAuthToken: values['twilio-auth-token'], sipAuthUsers: parseDigestUsers(values['sip-auth-users']) });
  edge.reloadKeys(keys);
}

export function edgeStartOptions(values: EdgeValues, log: Logger): EdgeStartOptions {
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
    keys: providerKeys(values),
    redisUrl: values['redis-url'],
    s3: values['s3-bucket'] ? {
      bucket: values['s3-bucket'], endpoint: values['s3-endpoint'], region: values['s3-region'], prefix: values['s3-prefix'],
      accessKeyId: values['s3-access-key-id'], secretAccessKey: values['s3-secret-access-key'],
    } : undefined,
    log,
  };
}
