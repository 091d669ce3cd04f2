// The phrase cache's shared tier: synthesized phrases as S3 objects, so every edge node (and a new one) plays a
// phrase any node has synthesized. A lookup that is slower than the provider would be is abandoned; an S3 that
// fails is left alone for a while, so a dead bucket costs each call one short timeout at most, never an error.
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { RemotePhraseStore } from './phrase-cache.ts';

// The SDK warns at load on Node 20 (its later releases need Node 22); this project pins a release that supports 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface S3Settings {
  bucket: string;
  /** An S3-API endpoint (path-style), e.g. a local server; empty: AWS's regional endpoint. */
  endpoint?: string;
  region?: string;
  /** Empty: the SDK's default credential chain (environment, profile, instance role). */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Key prefix for everything Invorto writes, e.g. "prod/". */
  prefix?: string;
}

export function s3Client(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region || 'us-east-1',
    ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
    ...(settings.accessKeyId ? { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey ?? '' } } : {}),
    // Checksums only where S3 requires them: S3-API servers other than AWS reject the newer default trailers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });
}

/** A lookup slower than this loses to the provider anyway (its first byte is ~150-300 ms). */
const LOOKUP_TIMEOUT_MS = 150;
/** After a failure S3 is not asked again for this long. */
const SUSPEND_MS = 30_000;

export class S3PhraseStore implements RemotePhraseStore {
  readonly name = 's3';
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  #suspendedUntil = 0;
  readonly stats = { loads: 0, hits: 0, saves: 0, errors: 0 };

  constructor(settings: S3Settings, private readonly onError: (error: Error) => void = () => {}, client = s3Client(settings)) {
    this.#client = client;
    this.#bucket = settings.bucket;
    this.#prefix = `${settings.prefix ?? ''}tts-cache/`;
  }

  async load(id: string): Promise<Uint8Array | null> {
    if (Date.now() < this.#suspendedUntil) return null;
    this.stats.loads++;
    try {
      const response = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: this.#key(id) }), { abortSignal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS) });
      const audio = await response.Body!.transformToByteArray();
      this.stats.hits++;
      return audio;
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return null;
      this.#failed(error as Error);
      return null;
    }
  }

  async save(id: string, audio: Uint8Array, description: Record<string, string>): Promise<void> {
    if (Date.now() < this.#suspendedUntil) return;
    try {
      await this.#client.send(new PutObjectCommand({
        Bucket: this.#bucket, Key: this.#key(id), Body: audio, ContentType: 'application/octet-stream',
        // Readable in the bucket's listing; non-ASCII text is not allowed in S3 metadata, so it is encoded.
        Metadata: Object.fromEntries(Object.entries(description).map(([k, v]) => [k, encodeURIComponent(v).slice(0, 512)])),
      }));
      this.stats.saves++;
    } catch (error) {
      this.#failed(error as Error);
    }
  }

  close(): void {
    this.#client.destroy();
  }

  #failed(error: Error): void {
    this.stats.errors++;
    this.#suspendedUntil = Date.now() + SUSPEND_MS;
    this.onError(error);
  }

  #key(id: string): string {
    return `${this.#prefix}${id.slice(0, 2)}/${id}.audio`;
  }
}
