// The artifact store on S3 (or any S3-API server): large files go up as multipart uploads (8 MB parts, 4 at a time,
// each part retried by the client, a failed upload aborted so no parts linger and bill), objects carry their
// ArtifactMeta as x-amz-meta-* and their tenant, agent and call as tags (which lifecycle rules filter on).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  DeleteObjectsCommand, GetBucketLifecycleConfigurationCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand,
  ListObjectsV2Command, PutBucketLifecycleConfigurationCommand, type LifecycleRule, type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  ArtifactStoreError, type ArtifactBody, type ArtifactInfo, type ArtifactMeta, type ArtifactStore, type ByteRange,
  type PutOptions, type RetentionRule,
} from './artifact-store.ts';
import { isNoSuchKey, s3Error } from './s3-errors.ts';
import { s3Client, type S3StoreSettings } from './s3-settings.ts';

export const PART_SIZE_BYTES = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 4;
const DELETE_BATCH = 1000;
const HEADS_IN_FLIGHT = 8;
/** Lifecycle rules this store owns carry this ID prefix; rules anyone else put on the bucket are kept. */
const RULE_ID_PREFIX = 'invorto-';

/** ArtifactMeta as S3 user metadata (x-amz-meta-*): ASCII strings only. */
function toMetadata(meta: ArtifactMeta): Record<string, string> {
  const metadata: Record<string, string> = { tenant: meta.tenantId, call: meta.callId };
  if (meta.agentId !== undefined) metadata.agent = meta.agentId;
  if (meta.agentVersion !== undefined) metadata['agent-version'] = String(meta.agentVersion);
  if (meta.durationS !== undefined) metadata['duration-s'] = String(meta.durationS);
  return metadata;
}

function fromMetadata(metadata: Record<string, string> | undefined, contentType: string | undefined): ArtifactMeta {
  const m = metadata ?? {};
  const meta: ArtifactMeta = { tenantId: m.tenant ?? '', callId: m.call ?? '', contentType: contentType ?? 'application/octet-stream' };
  if (m.agent !== undefined) meta.agentId = m.agent;
  if (m['agent-version'] !== undefined) meta.agentVersion = Number(m['agent-version']);
  if (m['duration-s'] !== undefined) meta.durationS = Number(m['duration-s']);
  return meta;
}

/** The lifecycle rules for `rules`: one per tenant (by prefix), one per agent (prefix and the agent tag). */
export function lifecycleRules(rules: RetentionRule[], prefix = ''): LifecycleRule[] {
  return rules.map((rule) => {
    const tenantPrefix = `${prefix}${rule.tenantId}/`;
    const days = Math.max(1, Math.ceil(rule.days));
    return rule.agentId === undefined
      ? { ID: `${RULE_ID_PREFIX}tenant-${rule.tenantId}`, Status: 'Enabled', Filter: { Prefix: tenantPrefix }, Expiration: { Days: days } }
      : {
        ID: `${RULE_ID_PREFIX}agent-${rule.tenantId}-${rule.agentId}`, Status: 'Enabled',
        Filter: { And: { Prefix: tenantPrefix, Tags: [{ Key: 'agent', Value: rule.agentId }] } }, Expiration: { Days: days },
      };
  });
}

export class S3ArtifactStore implements ArtifactStore {
  readonly kind = 's3';
  readonly bucket: string;
  readonly #prefix: string;
  readonly #client: S3Client;

  constructor(settings: S3StoreSettings, client: S3Client = s3Client(settings)) {
    if (!settings.bucket) throw new ArtifactStoreError('config', 'the S3 artifact store needs a bucket name');
    this.bucket = settings.bucket;
    this.#prefix = settings.prefix ?? '';
    this.#client = client;
  }

  async verify(): Promise<void> {
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      const failure = s3Error(error, 'HeadBucket', this.bucket);
      if (failure.kind === 'config') {
        throw new ArtifactStoreError('config', `S3 bucket ${this.bucket} does not exist or cannot be used: ${failure.message}`, { cause: error });
      }
      throw failure;
    }
  }

  async put(key: string, source: { file: string } | { bytes: Uint8Array }, meta: ArtifactMeta, options: PutOptions = {}): Promise<void> {
    let body: Readable | Uint8Array;
    let totalBytes: number;
    try {
      if ('file' in source) {
        totalBytes = (await stat(source.file)).size;
        body = createReadStream(source.file);
      } else {
        totalBytes = source.bytes.byteLength;
        body = source.bytes;
      }
    } catch (error) {
      throw new ArtifactStoreError('config', `cannot read ${'file' in source ? source.file : 'bytes'} to store as ${this.bucket}/${key}: ${(error as Error).message}`, { cause: error });
    }
    const tags = [{ Key: 'tenant', Value: meta.tenantId }, { Key: 'call', Value: meta.callId }];
    if (meta.agentId !== undefined) tags.push({ Key: 'agent', Value: meta.agentId });
    const upload = new Upload({
      client: this.#client,
      params: { Bucket: this.bucket, Key: this.#key(key), Body: body, ContentLength: totalBytes, ContentType: meta.contentType, Metadata: toMetadata(meta) },
      tags,
      partSize: PART_SIZE_BYTES,
      queueSize: PARTS_IN_FLIGHT,
      // A failed upload aborts its multipart upload: parts left behind are invisible but billed.
      leavePartsOnError: false,
    });
    upload.on('httpUploadProgress', ({ loaded = 0 }) => {
      options.onProgress?.({ key, loadedBytes: loaded, totalBytes, percent: totalBytes ? (loaded / totalBytes) * 100 : 100 });
    });
    const abort = () => void upload.abort().catch(() => {});
    options.signal?.addEventListener('abort', abort, { once: true });
    try {
      await upload.done();
    } catch (error) {
      if ('file' in source) (body as Readable).destroy();
      throw s3Error(error, 'upload', this.bucket, key);
    } finally {
      options.signal?.removeEventListener('abort', abort);
    }
  }

  async get(key: string, range?: ByteRange): Promise<ArtifactBody | null> {
    if (range && (range.start < 0 || (range.end !== undefined && range.end < range.start))) {
      throw new ArtifactStoreError('range', `range ${range.start}-${range.end ?? ''} of ${this.bucket}/${key} is not a byte range`);
    }
    try {
      const response = await this.#client.send(new GetObjectCommand({
        Bucket: this.bucket, Key: this.#key(key), ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {}),
      }));
      const contentRange = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(response.ContentRange ?? '');
      const size = contentRange ? Number(contentRange[3]) : response.ContentLength ?? 0;
      const start = contentRange ? Number(contentRange[1]) : 0;
      const end = contentRange ? Number(contentRange[2]) : size - 1;
      return { stream: response.Body as Readable, size, start, end, meta: fromMetadata(response.Metadata, response.ContentType) };
    } catch (error) {
      if (isNoSuchKey(error)) return null;
      throw s3Error(error, range ? `GetObject (range ${range.start}-${range.end ?? ''})` : 'GetObject', this.bucket, key);
    }
  }

  async head(key: string): Promise<ArtifactInfo | null> {
    try {
      const response = await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.#key(key) }));
      return { key, size: response.ContentLength ?? 0, lastModified: response.LastModified ?? new Date(0), meta: fromMetadata(response.Metadata, response.ContentType) };
    } catch (error) {
      if (isNoSuchKey(error)) return null;
      throw s3Error(error, 'HeadObject', this.bucket, key);
    }
  }

  /** Lists, then heads each object (a listing has no metadata), a few at a time. */
  async list(prefix: string): Promise<ArtifactInfo[]> {
    const keys = await this.#listKeys(prefix);
    const infos: (ArtifactInfo | null)[] = new Array(keys.length);
    let next = 0;
    const worker = async () => {
      while (next < keys.length) {
        const index = next++;
        infos[index] = await this.head(keys[index]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(HEADS_IN_FLIGHT, keys.length) }, worker));
    return infos.filter((info): info is ArtifactInfo => info !== null);
  }

  async deletePrefix(prefix: string): Promise<number> {
    const keys = await this.#listKeys(prefix);
    let deleted = 0;
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      try {
        const response = await this.#client.send(new DeleteObjectsCommand({
          Bucket: this.bucket, Delete: { Objects: batch.map((key) => ({ Key: this.#key(key) })), Quiet: true },
        }));
        const failed = response.Errors ?? [];
        if (failed.length > 0) {
          throw new ArtifactStoreError('unavailable', `S3 could not delete ${failed.length} of ${batch.length} objects under ${this.bucket}/${prefix}: ${failed[0].Key}: ${failed[0].Code} ${failed[0].Message ?? ''}`);
        }
        deleted += batch.length;
      } catch (error) {
        throw s3Error(error, 'DeleteObjects', this.bucket, prefix);
      }
    }
    return deleted;
  }

  async signedUrl(key: string, expiresInS: number): Promise<string> {
    try {
      return await getSignedUrl(this.#client, new GetObjectCommand({ Bucket: this.bucket, Key: this.#key(key) }), { expiresIn: expiresInS });
    } catch (error) {
      throw s3Error(error, 'presign GetObject', this.bucket, key);
    }
  }

  /**
   * Writes the rules as the bucket's lifecycle configuration (S3 deletes later, so nothing is deleted now), keeping
   * rules that are not Invorto's. Note S3 applies the shortest expiration when rules overlap: an agent kept longer
   * than its tenant still expires with the tenant's rule.
   */
  async applyRetention(rules: RetentionRule[]): Promise<{ deleted: number }> {
    let others: LifecycleRule[] = [];
    try {
      const current = await this.#client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: this.bucket }));
      others = (current.Rules ?? []).filter((rule) => !rule.ID?.startsWith(RULE_ID_PREFIX));
    } catch (error) {
      if ((error as { name?: string }).name !== 'NoSuchLifecycleConfiguration') throw s3Error(error, 'GetBucketLifecycleConfiguration', this.bucket);
    }
    try {
      await this.#client.send(new PutBucketLifecycleConfigurationCommand({
        Bucket: this.bucket, LifecycleConfiguration: { Rules: [...others, ...lifecycleRules(rules, this.#prefix)] },
      }));
    } catch (error) {
      throw s3Error(error, 'PutBucketLifecycleConfiguration', this.bucket);
    }
    return { deleted: 0 };
  }

  close(): void {
    this.#client.destroy();
  }

  #key(key: string): string {
    return `${this.#prefix}${key}`;
  }

  /** Every key under `prefix` (without the store's own prefix), in key order, page by page. */
  async #listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      try {
        const page = await this.#client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.#key(prefix), ContinuationToken: token }));
        for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key.slice(this.#prefix.length));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } catch (error) {
        throw s3Error(error, 'ListObjectsV2', this.bucket, prefix);
      }
    } while (token);
    return keys.sort();
  }
}
