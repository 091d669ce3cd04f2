// The artifact store: what a call leaves behind (its recording, transcript, event log and history), kept under one
// key scheme on local disk (the embedded default) or S3. The edge writes through it (from its durable upload
// queue); control reads, signs, lists, deletes and applies retention through it. Both backends implement this one
// interface and pass the same contract tests.
import type { Readable } from 'node:stream';

/** What every object carries besides its bytes: S3 object metadata and tags, a sidecar file on local disk. */
export interface ArtifactMeta {
  tenantId: string;
  callId: string;
  agentId?: string;
  agentVersion?: number;
  /** The call's duration, seconds. */
  durationS?: number;
  contentType: string;
}

export interface ArtifactInfo {
  key: string;
  size: number;
  lastModified: Date;
  meta: ArtifactMeta;
}

/** Upload progress: bytes sent of the total (total unknown for a stream of unknown length: 0). */
export interface UploadProgress {
  key: string;
  loadedBytes: number;
  totalBytes: number;
  percent: number;
}

export interface PutOptions {
  onProgress?: (progress: UploadProgress) => void;
  signal?: AbortSignal;
}

/** An inclusive byte range, as HTTP Range gives it; `end` omitted: to the end. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface ArtifactBody {
  stream: Readable;
  /** The whole object's size. */
  size: number;
  /** The range served (inclusive), the whole object when none was asked. */
  start: number;
  end: number;
  meta: ArtifactMeta;
}

/** Retention: objects of `tenantId` (and of `agentId` when given) older than `days` are deleted. */
export interface RetentionRule {
  tenantId: string;
  agentId?: string;
  days: number;
}

export interface ArtifactStore {
  /** 'local' or 's3', for logs and metrics. */
  readonly kind: 'local' | 's3';
  /**
   * Checks the store can be used (the bucket answers and the credentials are accepted; the folder is writable) and
   * throws an ArtifactStoreError with kind 'credentials' or 'config' and a clear message when not.
   */
  verify(): Promise<void>;
  /** Stores a file (large ones as multipart uploads on S3) or bytes under `key`. Overwrites: a retried upload is one object. */
  put(key: string, source: { file: string } | { bytes: Uint8Array }, meta: ArtifactMeta, options?: PutOptions): Promise<void>;
  /** Streams an object, or the part of it `range` asks; null when there is no such object. Throws 'range' past its end. */
  get(key: string, range?: ByteRange): Promise<ArtifactBody | null>;
  head(key: string): Promise<ArtifactInfo | null>;
  /** Objects whose key starts with `prefix`, in key order. */
  list(prefix: string): Promise<ArtifactInfo[]>;
  /** Deletes every object under `prefix`; returns how many. */
  deletePrefix(prefix: string): Promise<number>;
  /**
   * A URL anyone holding it may GET the object with until `expiresInS` from now: S3 presigns it; local disk returns
   * the path and query that control serves and checks (`/artifacts/signed/...`), to be joined to control's base URL.
   */
  signedUrl(key: string, expiresInS: number): Promise<string>;
  /** Puts the rules in force: S3 bucket lifecycle rules; local disk deletes what is already too old (a sweep). */
  applyRetention(rules: RetentionRule[]): Promise<{ deleted: number }>;
}

export type ArtifactErrorKind = 'unavailable' | 'credentials' | 'config' | 'range' | 'not-found' | 'disk-full';

/** One error type for every backend, so callers decide by kind (retry, refuse, 416) and not by SDK error names. */
export class ArtifactStoreError extends Error {
  constructor(readonly kind: ArtifactErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ArtifactStoreError';
  }

  /** Worth trying again later: the store was unreachable, slow down, or answered 5xx. */
  get retryable(): boolean {
    return this.kind === 'unavailable';
  }
}

/** The artifacts a call may have, by name (the last part of the key). */
export const ARTIFACT_NAMES = {
  recording: 'recording.wav',
  transcriptJson: 'transcript.json',
  transcriptText: 'transcript.txt',
  events: 'events.jsonl',
  history: 'history.json',
} as const;

const SAFE_PART = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** The longest call id kept as a key segment (RFC 3261 sets no limit; S3 keys end at 1,024 bytes). */
const MAX_CALL_ID = 256;

/**
 * A call id as one key segment. Carriers choose call ids, and SIP's carry "@" (`a84b4c76e66710@pc33.example.com`) and
 * may carry any of RFC 3261's word characters, so every byte outside [A-Za-z0-9_-], and "." (no segment may be "."
 * or ".."), is percent-encoded: ids made only of those characters (Twilio's, ours) keep their keys unchanged.
 */
export function callIdSegment(callId: string): string {
  if (!callId || callId.length > MAX_CALL_ID) throw new ArtifactStoreError('config', `unusable call id for an artifact key: ${JSON.stringify(callId.slice(0, 64))} (1-${MAX_CALL_ID} characters)`);
  return [...Buffer.from(callId, 'utf8')].map((byte) => {
    const char = String.fromCharCode(byte);
    return /[A-Za-z0-9_-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

/** `tenant/yyyy/mm/dd/callId/`: the call's folder, dated by when it started (UTC); the call id as callIdSegment. */
export function callPrefix(tenantId: string, callId: string, startedAt: Date): string {
  if (!SAFE_PART.test(tenantId)) throw new ArtifactStoreError('config', `unusable tenant id for an artifact key: ${JSON.stringify(tenantId)}`);
  const segment = callIdSegment(callId);
  if (Number.isNaN(startedAt.getTime())) throw new ArtifactStoreError('config', 'unusable call start time for an artifact key');
  const iso = startedAt.toISOString();
  return `${tenantId}/${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${segment}/`;
}

/** `tenant/yyyy/mm/dd/callId/<name>`. */
export function artifactKey(tenantId: string, callId: string, startedAt: Date, name: string): string {
  if (!SAFE_PART.test(name)) throw new ArtifactStoreError('config', `unusable artifact name: ${JSON.stringify(name)}`);
  return callPrefix(tenantId, callId, startedAt) + name;
}
