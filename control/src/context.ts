// What every module gets: the database, who is calling, the clock and the settings. Modules build their own
// services from it; nothing else is shared between them.
import type { Logger } from 'pino';
import type { ControlDatabase } from './db/database.ts';
import type { AccessTokens, Authenticator } from './plugins/auth.ts';
import type { ControlArtifacts } from './modules/artifacts/open-store.ts';
import type { ControlMetrics } from './metrics/control-metrics.ts';

export interface ControlSettings {
  /** Lifetime of a refresh token (a login lasts this long without activity). */
  refreshTtlS: number;
  /** Requests per minute one credential (API key or login) may make. */
  rateLimitPerMin: number;
  /** Login attempts per minute for one email from one address (and password changes per credential). */
  loginRateLimitPerMin: number;
  /** An edge whose last heartbeat is older than this is lost. */
  edgeLostAfterS: number;
  /** How often lost edges are looked for (and their open calls closed), milliseconds. */
  edgeSweepEveryMs: number;
  /** Largest request body, bytes. */
  bodyLimitBytes: number;
  /** How often tenants' and agents' artifact retention is put in force (S3 lifecycle rules, the local sweep), milliseconds. */
  retentionEveryMs: number;
}

export interface ControlContext {
  database: ControlDatabase;
  auth: Authenticator;
  tokens: AccessTokens;
  settings: ControlSettings;
  log: Logger;
  /** Call recordings, transcripts and logs: the store (local disk or S3) and the secret local signed URLs use. */
  artifacts: ControlArtifacts;
  now(): number;
  /** Routes as registered ("public GET /v1/agents/{id}"), for the OpenAPI completeness check. */
  routes: string[];
  /** This control's Prometheus registry and collectors, served at the internal app's GET /metrics. */
  metrics: ControlMetrics;
}

export const defaultSettings: ControlSettings = { refreshTtlS: 30 * 24 * 3600, rateLimitPerMin: 1200, loginRateLimitPerMin: 10, edgeLostAfterS: 15, edgeSweepEveryMs: 5000, bodyLimitBytes: 256 * 1024, retentionEveryMs: 3_600_000 };
