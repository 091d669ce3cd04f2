// Picks the artifact store from settings: S3 when a bucket is named, otherwise local disk under `dir` (the
// embedded default, which needs no servers).
import type { ArtifactStore } from './artifact-store.ts';
import { LocalDiskStore } from './local-disk-store.ts';
import { S3ArtifactStore } from './s3-store.ts';
import type { S3StoreSettings } from './s3-settings.ts';

export interface ArtifactStoreSettings {
  /** The local folder for artifacts when no bucket is set. */
  dir: string;
  s3?: S3StoreSettings;
  /** The HMAC secret for local signed URLs. */
  urlSecret?: string;
  log?: (msg: string) => void;
}

export function openArtifactStore(settings: ArtifactStoreSettings): ArtifactStore {
  if (settings.s3?.bucket) {
    const where = settings.s3.endpoint ? `${settings.s3.endpoint} (path-style)` : `AWS ${settings.s3.region || 'us-east-1'}`;
    settings.log?.(`artifacts: S3 bucket ${settings.s3.bucket} at ${where}${settings.s3.prefix ? `, prefix ${settings.s3.prefix}` : ''}`);
    return new S3ArtifactStore(settings.s3);
  }
  settings.log?.(`artifacts: local disk under ${settings.dir}`);
  return new LocalDiskStore({ dir: settings.dir, urlSecret: settings.urlSecret });
}
