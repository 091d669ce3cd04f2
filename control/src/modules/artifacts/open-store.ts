// The artifact store as control opens it: S3 when a bucket is configured (the edge's INVORTO_S3_* settings),
// otherwise `<data-dir>/artifacts`; the secret local signed URLs are made with, configured or kept in the data
// dir; and a check at start, so wrong credentials stop control with a message instead of failing every download.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArtifactStore } from '@invorto/artifacts/artifact-store.ts';
import { openArtifactStore } from '@invorto/artifacts/open-store.ts';
import type { S3StoreSettings } from '@invorto/artifacts/s3-settings.ts';
import type { OptionSpec } from '../../../../bin/options.ts';

/** The same names and variables as the edge's (edge/src/start-edge.ts), so `invorto start` shares one bucket. */
export const artifactStoreOptions = {
  's3-bucket': { env: 'INVORTO_S3_BUCKET', default: '', description: 'S3 bucket for call artifacts (and the edge phrase cache); empty: local disk under <data-dir>/artifacts' },
  's3-endpoint': { env: 'INVORTO_S3_ENDPOINT', default: '', description: 'S3-API endpoint (path-style) for a non-AWS server; empty: AWS' },
  's3-region': { env: 'INVORTO_S3_REGION', default: 'us-east-1', description: 'S3 region' },
  's3-access-key-id': { env: 'INVORTO_S3_ACCESS_KEY_ID', default: '', description: 'S3 access key id (empty: the AWS default credential chain)' },
  's3-secret-access-key': { env: 'INVORTO_S3_SECRET_ACCESS_KEY', default: '', description: 'S3 secret access key', secret: true },
  's3-prefix': { env: 'INVORTO_S3_PREFIX', default: '', description: 'prefix of every object key Invorto writes (e.g. "prod/")' },
  'artifact-url-secret': { env: 'INVORTO_ARTIFACT_URL_SECRET', default: '', description: 'secret signed artifact URLs on local disk are made with (empty: kept in data/artifact-url.secret; set the same on every control replica)', secret: true },
} satisfies Record<string, OptionSpec>;

type StoreOptionValues = { [K in keyof typeof artifactStoreOptions]: string };

/** S3 settings from parsed options; undefined without a bucket. */
export function s3SettingsFrom(values: StoreOptionValues): S3StoreSettings | undefined {
  if (!values['s3-bucket']) return undefined;
  return {
    bucket: values['s3-bucket'], endpoint: values['s3-endpoint'] || undefined, region: values['s3-region'] || undefined,
    accessKeyId: values['s3-access-key-id'] || undefined, secretAccessKey: values['s3-secret-access-key'] || undefined, prefix: values['s3-prefix'] || undefined,
  };
}

/** The URL secret: configured, else made once and kept in the data dir (owner-only) so links survive a restart. */
export function artifactUrlSecretFor(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = join(dataDir, 'artifact-url.secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

export interface ControlArtifactSettings { dataDir: string; s3?: S3StoreSettings; urlSecret?: string; log?: (msg: string) => void }

export interface ControlArtifacts { store: ArtifactStore; urlSecret: string; close(): Promise<void> }

/** Opens and checks the store; throws an Error naming the bucket (or folder) and the settings to fix. */
export async function openControlArtifacts(settings: ControlArtifactSettings): Promise<ControlArtifacts> {
  const urlSecret = artifactUrlSecretFor(settings.urlSecret, settings.dataDir);
  const store = openArtifactStore({ dir: join(settings.dataDir, 'artifacts'), s3: settings.s3, urlSecret, log: settings.log });
  const close = async () => { (store as { close?: () => void }).close?.(); };
  try {
    await store.verify();
  } catch (error) {
    await close();
    const fix = settings.s3 ? 'check INVORTO_S3_BUCKET, INVORTO_S3_ENDPOINT, INVORTO_S3_ACCESS_KEY_ID and INVORTO_S3_SECRET_ACCESS_KEY' : 'check --data-dir (INVORTO_DATA_DIR)';
    const where = settings.s3 ? `S3 bucket "${settings.s3.bucket}"` : `folder ${join(settings.dataDir, 'artifacts')}`;
    throw new Error(`control cannot use the artifact store (${where}): ${(error as Error).message}; ${fix}`, { cause: error });
  }
  return { store, urlSecret, close };
}
