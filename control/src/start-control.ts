// Starts the control service from resolved options; used by `invorto control` and `invorto start`.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { OptionSpec } from '../../bin/options.ts';
import { openTimelineReader } from '@invorto/timeline/open-timeline.ts';
import type { TimelineReader } from '@invorto/timeline/timeline-log.ts';
import { buildInternalApp, buildPublicApp } from './app.ts';
import { defaultSettings, type ControlContext, type ControlSettings } from './context.ts';
import { openDatabase } from './db/database.ts';
import { ControlMetrics } from './metrics/control-metrics.ts';
import { AccessTokens, Authenticator } from './plugins/auth.ts';
import { KeyService } from './modules/keys/service.ts';
import { memberStanding } from './modules/tenants/standing.ts';
import { seedFirstStart, type FirstStart } from './seed.ts';
import { startBackgroundWork } from './modules/background.ts';
import { watchLiveThroughRedis } from './modules/live/redis-watch.ts';
import { artifactStoreOptions, openControlArtifacts, s3SettingsFrom } from './modules/artifacts/open-store.ts';
import type { S3StoreSettings } from '@invorto/artifacts/s3-settings.ts';

export const controlOptions = {
  'control-host': { env: 'INVORTO_CONTROL_HOST', default: '127.0.0.1', description: 'address the control HTTP API binds' },
  'control-port': { env: 'INVORTO_CONTROL_PORT', default: 8080, description: 'port of the control HTTP API (0 = any free port)' },
  'internal-host': { env: 'INVORTO_INTERNAL_HOST', default: '127.0.0.1', description: "address control's internal API (for edges) binds; never the public one" },
  'internal-port': { env: 'INVORTO_INTERNAL_PORT', default: 8082, description: "port of control's internal API for edges (0 = any free port)" },
  'data-dir': { env: 'INVORTO_DATA_DIR', default: './data', description: 'folder for the embedded database, timeline log and artifacts' },
  'database-url': { env: 'DATABASE_URL', default: '', description: 'PostgreSQL for control (postgres://…); empty: the embedded SQLite file in the data dir', secret: true },
  'internal-token': { env: 'INVORTO_INTERNAL_TOKEN', default: '', description: 'shared secret between edge and control (generated per run when empty)', secret: true },
  'jwt-secret': { env: 'INVORTO_JWT_SECRET', default: '', description: 'secret access tokens are signed with, 32+ characters (empty: kept in data/jwt.secret; set the same on every control replica)', secret: true },
  'access-token-ttl-s': { env: 'INVORTO_ACCESS_TOKEN_TTL_S', default: 900, description: 'lifetime of a login access token, seconds' },
  'rate-limit-per-min': { env: 'INVORTO_RATE_LIMIT_PER_MIN', default: 1200, description: 'requests per minute one API key or login may make' },
  'redis-url': { env: 'REDIS_URL', default: '', description: 'Redis for the call timeline (Streams); empty: the embedded log in the data dir', secret: true },
  ...artifactStoreOptions,
} satisfies Record<string, OptionSpec>;

export interface StartControlOptions {
  host: string;
  port: number;
  internalHost?: string;
  internalPort?: number;
  dataDir: string;
  internalToken: string;
  databaseUrl?: string;
  jwtSecret?: string;
  accessTokenTtlS?: number;
  redisUrl?: string;
  /** The artifact store's bucket; unset: local disk under `<dataDir>/artifacts`. */
  s3?: S3StoreSettings;
  /** Secret for local signed artifact URLs; unset: kept in the data dir. */
  artifactUrlSecret?: string;
  settings?: Partial<ControlSettings>;
  log?: (line: Record<string, unknown>) => void;
  logger?: Logger;
  /** Tests: false to leave the timeline alone (no consumer). */
  ingestTimeline?: boolean;
}

/** StartControlOptions from parsed command options (`invorto control`, `invorto start`). */
export function controlStartOptions(values: { [K in keyof typeof controlOptions]: (typeof controlOptions)[K]['default'] extends number ? number : string }) {
  return {
    host: values['control-host'], port: values['control-port'], internalHost: values['internal-host'], internalPort: values['internal-port'],
    dataDir: values['data-dir'], databaseUrl: values['database-url'], jwtSecret: values['jwt-secret'], accessTokenTtlS: values['access-token-ttl-s'],
    redisUrl: values['redis-url'], settings: { rateLimitPerMin: values['rate-limit-per-min'] },
    s3: s3SettingsFrom(values), artifactUrlSecret: values['artifact-url-secret'],
  } satisfies Omit<StartControlOptions, 'internalToken'>;
}

export interface RunningControl {
  url: string;
  /** The internal API edges use (agent and number look-ups, heartbeats). */
  internalUrl: string;
  tenantId: string;
  /** Set only on the very first start, when the default tenant's key is created. */
  newApiKey: string | null;
  /** Set only on the very first start: the default tenant's owner and a one-time password. */
  newLogin: { email: string; password: string } | null;
  ctx: ControlContext;
  close(): Promise<void>;
}

/** The JWT secret: configured, else made once and kept in the data dir so logins survive a restart. */
export function jwtSecretFor(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = join(dataDir, 'jwt.secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

function loggerFor(options: StartControlOptions): Logger {
  if (options.logger) return options.logger;
  if (!options.log) return pino({ level: 'silent' });
  const sink = options.log;
  return pino({ level: 'info', base: { service: 'control' } }, { write: (line: string) => sink(JSON.parse(line) as Record<string, unknown>) });
}

async function listen(app: FastifyInstance, host: string, port: number, what: string, envName: string): Promise<string> {
  try {
    await app.listen({ host, port });
  } catch (error) {
    throw new Error(`control could not listen for ${what} on ${host}:${port}: ${(error as Error).message} (set ${envName})`);
  }
  const address = app.server.address();
  return `http://${host}:${typeof address === 'object' && address ? address.port : port}`;
}

export async function startControl(options: StartControlOptions): Promise<RunningControl> {
  const log = loggerFor(options);
  const database = await openDatabase({
    databaseUrl: options.databaseUrl || undefined, sqliteFile: join(options.dataDir, 'invorto.db'),
    onConnectionLost: (error) => log.warn({ code: (error as { code?: string }).code }, `a PostgreSQL connection was lost (${error.message}); the next query opens another`),
  });
  const closers: (() => Promise<void>)[] = [() => database.close()];
  const closeAll = async () => { for (const close of closers.reverse()) await close().catch(() => {}); };
  try {
    const tokens = new AccessTokens(jwtSecretFor(options.jwtSecret, options.dataDir), options.accessTokenTtlS ?? 900);
    const keys = new KeyService(database.db);
    const artifacts = await openControlArtifacts({ dataDir: options.dataDir, s3: options.s3, urlSecret: options.artifactUrlSecret, log: (msg) => log.info(msg) });
    closers.push(() => artifacts.close());
    const ctx: ControlContext = {
      database, tokens,
      auth: new Authenticator(tokens, (key) => keys.principalOf(key), (userId, tenantId) => memberStanding(database.db, userId, tenantId)),
      settings: { ...defaultSettings, ...options.settings }, log, artifacts, now: Date.now, routes: [], metrics: new ControlMetrics(database),
    };
    const first: FirstStart = await seedFirstStart(ctx);
    // The live monitor hears edges through Redis when there is one (and over their internal sockets always).
    if (options.redisUrl) watchLiveThroughRedis(ctx, options.redisUrl);
    let reader: (TimelineReader & { close?(): Promise<void> }) | null = null;
    if (options.ingestTimeline !== false) {
      // Call records come from the timeline the edges write: Redis when configured, else the embedded log files.
      reader = await openTimelineReader({ redisUrl: options.redisUrl || undefined, dataDir: options.dataDir });
      closers.push(async () => { await reader?.close?.(); });
    }
    const background = startBackgroundWork(ctx, reader);
    closers.push(() => background.close());
    const publicApp = await buildPublicApp(ctx);
    closers.push(() => publicApp.close());
    const internalApp = await buildInternalApp(ctx, options.internalToken);
    closers.push(() => internalApp.close());
    const url = await listen(publicApp, options.host, options.port, 'its API', 'INVORTO_CONTROL_PORT or --control-port');
    const internalUrl = await listen(internalApp, options.internalHost ?? '127.0.0.1', options.internalPort ?? 0, 'edges (internal API)', 'INVORTO_INTERNAL_PORT or --internal-port');
    return { url, internalUrl, tenantId: first.tenantId, newApiKey: first.apiKey, newLogin: first.login, ctx, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
