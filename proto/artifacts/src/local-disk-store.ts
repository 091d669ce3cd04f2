// The artifact store on local disk (the embedded default): each object is a file `dir/<key>` with a sidecar
// `<key>.meta.json`. Writes land in a temp file beside the target and are renamed into place, so a crash never leaves
// half an object under its key and a retried put is still one object.
import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, readdir, readFile, rename, rm, rmdir, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import {
  ArtifactStoreError, type ArtifactBody, type ArtifactInfo, type ArtifactMeta, type ArtifactStore, type ByteRange,
  type PutOptions, type RetentionRule,
} from './artifact-store.ts';
import { signLocalUrl } from './signed-url.ts';

const META_SUFFIX = '.meta.json';
const TEMP_SUFFIX = '.partial';
const DAY_MS = 86_400_000;

interface Sidecar extends ArtifactMeta {
  size: number;
}

function checkKey(key: string): void {
  const bad = !key || key.startsWith('/') || key.includes('\\') || key.includes('\0') || /^[A-Za-z]:/.test(key)
    || key.split('/').some((part) => part === '..' || part === '.' || part === '' || part.startsWith('.'))
    || key.endsWith(META_SUFFIX) || key.endsWith(TEMP_SUFFIX);
  if (bad) throw new ArtifactStoreError('config', `unusable artifact key ${JSON.stringify(key)}: keys are relative, without "..", "\\" or empty parts`);
}

/** A prefix may end in "/" (a folder) or part-way through a name; it is checked like a key without that slash. */
function checkPrefix(prefix: string): void {
  if (prefix === '') return;
  checkKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}

function isInternal(name: string): boolean {
  return name.endsWith(META_SUFFIX) || name.endsWith(TEMP_SUFFIX) || name.startsWith('.');
}

export interface LocalDiskStoreOptions {
  dir: string;
  /** The HMAC secret for signed URLs; without one signedUrl throws 'config'. */
  urlSecret?: string;
  /** The clock, for tests of retention and signed URLs. */
  now?: () => Date;
}

export class LocalDiskStore implements ArtifactStore {
  readonly kind = 'local';
  readonly dir: string;
  readonly #urlSecret: string | undefined;
  readonly #now: () => Date;

  constructor(options: LocalDiskStoreOptions) {
    this.dir = options.dir;
    this.#urlSecret = options.urlSecret;
    this.#now = options.now ?? (() => new Date());
  }

  async verify(): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true });
      await access(this.dir, fsConstants.W_OK | fsConstants.R_OK);
    } catch (error) {
      throw this.#fsError(error, `the artifact folder ${this.dir} is not writable`);
    }
  }

  async put(key: string, source: { file: string } | { bytes: Uint8Array }, meta: ArtifactMeta, options: PutOptions = {}): Promise<void> {
    checkKey(key);
    const target = this.#path(key);
    const temp = `${dirname(target)}${sep}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
    const metaTemp = `${temp}${META_SUFFIX}`;
    try {
      await mkdir(dirname(target), { recursive: true });
      const size = 'file' in source ? (await stat(source.file)).size : source.bytes.byteLength;
      const reader = 'file' in source ? createReadStream(source.file) : Readable.from([source.bytes]);
      await pipeline(reader, progressCounter(key, size, options), createWriteStream(temp), { signal: options.signal });
      const sidecar: Sidecar = { ...meta, size };
      await writeFile(metaTemp, JSON.stringify(sidecar));
      // Object first, then its sidecar: a crash between leaves the new bytes with the old (or derived) meta, never half a file.
      await rename(temp, target);
      await rename(metaTemp, `${target}${META_SUFFIX}`);
    } catch (error) {
      await Promise.all([rm(temp, { force: true }), rm(metaTemp, { force: true })]);
      throw this.#fsError(error, `could not store artifact ${key} under ${this.dir}`);
    }
  }

  async get(key: string, range?: ByteRange): Promise<ArtifactBody | null> {
    const info = await this.head(key);
    if (!info) return null;
    const start = range?.start ?? 0;
    const end = Math.min(range?.end ?? info.size - 1, info.size - 1);
    if (range && (start < 0 || start >= info.size || end < start)) {
      throw new ArtifactStoreError('range', `range ${start}-${range.end ?? ''} is outside artifact ${key} (${info.size} bytes)`);
    }
    // An empty object has nothing to read; createReadStream with end -1 would read everything.
    const stream = info.size === 0 ? Readable.from([]) : createReadStream(this.#path(key), { start, end });
    return { stream, size: info.size, start, end, meta: info.meta };
  }

  async head(key: string): Promise<ArtifactInfo | null> {
    checkKey(key);
    const path = this.#path(key);
    let stats;
    try {
      stats = await stat(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw this.#fsError(error, `could not read artifact ${key}`);
    }
    if (!stats.isFile()) return null;
    return { key, size: stats.size, lastModified: stats.mtime, meta: await this.#meta(key, path) };
  }

  async list(prefix: string): Promise<ArtifactInfo[]> {
    checkPrefix(prefix);
    const keys = (await this.#walk('')).filter((key) => key.startsWith(prefix)).sort();
    const infos = await Promise.all(keys.map((key) => this.head(key)));
    return infos.filter((info): info is ArtifactInfo => info !== null);
  }

  async deletePrefix(prefix: string): Promise<number> {
    checkPrefix(prefix);
    const keys = (await this.#walk('')).filter((key) => key.startsWith(prefix));
    for (const key of keys) await this.#delete(key);
    return keys.length;
  }

  async signedUrl(key: string, expiresInS: number): Promise<string> {
    checkKey(key);
    if (!this.#urlSecret) throw new ArtifactStoreError('config', 'signed URLs for local artifacts need a URL secret (urlSecret) and none is set');
    return signLocalUrl(key, Math.floor(this.#now().getTime() / 1000) + expiresInS, this.#urlSecret);
  }

  /** The sweep: deletes what is already older than its rule. An agent's rule wins over its tenant's for that agent's objects. */
  async applyRetention(rules: RetentionRule[]): Promise<{ deleted: number }> {
    const nowMs = this.#now().getTime();
    let deleted = 0;
    for (const info of await this.list('')) {
      const tenantRules = rules.filter((rule) => rule.tenantId === info.meta.tenantId && info.key.startsWith(`${rule.tenantId}/`));
      const rule = tenantRules.find((r) => r.agentId !== undefined && r.agentId === info.meta.agentId) ?? tenantRules.find((r) => r.agentId === undefined);
      if (rule && nowMs - info.lastModified.getTime() > rule.days * DAY_MS) {
        await this.#delete(info.key);
        deleted++;
      }
    }
    return { deleted };
  }

  /** Sets an object's modification time (tests and imports of old recordings age objects with it). */
  async setLastModified(key: string, at: Date): Promise<void> {
    checkKey(key);
    await utimes(this.#path(key), at, at);
  }

  #path(key: string): string {
    return join(this.dir, ...key.split('/'));
  }

  async #meta(key: string, path: string): Promise<ArtifactMeta> {
    try {
      const { size: _size, ...meta } = JSON.parse(await readFile(`${path}${META_SUFFIX}`, 'utf8')) as Sidecar;
      return meta;
    } catch {
      // No sidecar (a crash between the two renames, or a file copied in by hand): what the key scheme says.
      const parts = key.split('/');
      return { tenantId: parts[0] ?? '', callId: parts[4] ?? '', contentType: 'application/octet-stream' };
    }
  }

  async #delete(key: string): Promise<void> {
    const path = this.#path(key);
    await Promise.all([unlink(path).catch(ignoreMissing), unlink(`${path}${META_SUFFIX}`).catch(ignoreMissing)]);
    // Empty call and date folders go too, or years of deleted calls leave a tree of empty folders to walk. (A put racing
    // into a folder pruned here fails as unavailable, and its upload queue retries it.)
    const parts = key.split('/').slice(0, -1);
    while (parts.length > 0) {
      try {
        await rmdir(join(this.dir, ...parts));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return; // not empty: nor are the folders above
      }
      parts.pop();
    }
  }

  /** Every object key under `relative`, skipping sidecars and temp files. */
  async #walk(relative: string): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(relative ? this.#path(relative) : this.dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw this.#fsError(error, `could not list artifacts under ${this.dir}`);
    }
    const keys: string[] = [];
    for (const entry of entries) {
      if (isInternal(entry.name)) continue;
      const key = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) keys.push(...(await this.#walk(key)));
      else if (entry.isFile()) keys.push(key);
    }
    return keys;
  }

  #fsError(error: unknown, what: string): ArtifactStoreError {
    if (error instanceof ArtifactStoreError) return error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return new ArtifactStoreError('disk-full', `${what}: the disk is full (${code})`, { cause: error });
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new ArtifactStoreError('config', `${what}: permission denied (${code})`, { cause: error });
    if ((error as Error).name === 'AbortError') return new ArtifactStoreError('unavailable', `${what}: aborted`, { cause: error });
    return new ArtifactStoreError('unavailable', `${what}: ${(error as Error).message}`, { cause: error });
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}

/** Passes bytes through and reports progress, as the S3 store does for its parts. */
function progressCounter(key: string, totalBytes: number, options: PutOptions): Transform {
  let loadedBytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      loadedBytes += chunk.length;
      options.onProgress?.({ key, loadedBytes, totalBytes, percent: totalBytes ? (loadedBytes / totalBytes) * 100 : 0 });
      done(null, chunk);
    },
  });
}
