// How Invorto reaches an S3 bucket (AWS or any S3-API server): the settings and the one way to build a client from
// them, shared by the artifact store and the edge's phrase cache.
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

// The SDK warns at load on Node 20 (its later releases need Node 22); this project pins a release that supports 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface S3StoreSettings {
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

/**
 * A client for `settings`. Three attempts by default with the SDK's standard retry (backoff with jitter), which
 * retries 500, 503 and SlowDown per request: for a multipart upload that is per part.
 */
export function s3Client(settings: S3StoreSettings, overrides: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({
    region: settings.region || 'us-east-1',
    ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
    ...(settings.accessKeyId ? { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey ?? '' } } : {}),
    // Checksums only where S3 requires them: S3-API servers other than AWS reject the newer default trailers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    retryMode: 'standard',
    ...overrides,
  });
}
