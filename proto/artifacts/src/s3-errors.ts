// What an S3 failure means to a caller of the artifact store: one ArtifactStoreError kind per situation (retry
// later, fix the credentials, fix the settings, ask for another range), and a message naming the bucket and key.
// SDK error messages never carry the secret key, and neither does anything built here.
import { ArtifactStoreError } from './artifact-store.ts';

interface SdkError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
}

const CREDENTIAL_CODES = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'Forbidden', 'ExpiredToken', 'InvalidToken', 'CredentialsProviderError']);
const CONFIG_CODES = new Set(['NoSuchBucket', 'PermanentRedirect', 'AuthorizationHeaderMalformed', 'InvalidBucketName']);

function statusOf(error: SdkError): number | undefined {
  return error.$metadata?.httpStatusCode ?? error.$response?.statusCode;
}

function codeOf(error: SdkError): string {
  return error.Code ?? error.name ?? error.code ?? 'Error';
}

/** The kind of an S3 failure: credentials, config, range, not-found, or unavailable (worth retrying later). */
export function s3ErrorKind(error: unknown): ArtifactStoreError['kind'] {
  const e = (error ?? {}) as SdkError;
  const code = codeOf(e);
  const status = statusOf(e);
  if (code === 'NoSuchKey') return 'not-found';
  if (CREDENTIAL_CODES.has(code) || status === 403 || status === 401) return 'credentials';
  if (code === 'InvalidRange' || status === 416) return 'range';
  if (CONFIG_CODES.has(code) || status === 404 || status === 400 || status === 301 || status === 405 || status === 501) return 'config';
  // 5xx, SlowDown, throttling, timeouts, refused or reset connections: S3 (or the way to it) is down for now.
  return 'unavailable';
}

/** `S3 <action> of bucket/key failed (<Code>, HTTP n): <message>`, as an ArtifactStoreError. */
export function s3Error(error: unknown, action: string, bucket: string, key?: string): ArtifactStoreError {
  if (error instanceof ArtifactStoreError) return error;
  const e = (error ?? {}) as SdkError;
  const kind = s3ErrorKind(error);
  const where = key === undefined ? `bucket ${bucket}` : `${bucket}/${key}`;
  const status = statusOf(e);
  // HEAD responses have no body, so the SDK names their errors 'Unknown'/'UnknownError': the status says it then.
  const code = codeOf(e) === 'Unknown' ? '' : codeOf(e);
  const message = e.message && e.message !== 'UnknownError' ? e.message : '';
  const detail = [code, status ? `HTTP ${status}` : ''].filter(Boolean).join(', ') + (message ? `: ${message}` : '');
  const text = kind === 'credentials' ? `S3 refused the credentials for ${where}: ${detail} (${action})`
    : kind === 'unavailable' ? `S3 ${action} of ${where} failed, S3 is unreachable or failing: ${detail}`
      : `S3 ${action} of ${where} failed: ${detail}`;
  return new ArtifactStoreError(kind, text, { cause: error });
}

export function isNoSuchKey(error: unknown): boolean {
  const e = (error ?? {}) as SdkError;
  return codeOf(e) === 'NoSuchKey' || (codeOf(e) === 'NotFound' && statusOf(e) === 404);
}
