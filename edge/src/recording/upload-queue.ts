// The edge's durable upload queue: what a call leaves behind (recording, transcripts, event log) is written to a job
// folder under `<data-dir>/uploads/` at hang-up, and one worker puts each file into the artifact store. A job's
// folder goes only once every part is stored, so an edge killed at any point uploads the rest when it starts again;
// a failing store is retried with backoff (1 s doubling to 60 s, with jitter) and said once a minute, not per object.
import { mkdir, readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ArtifactStoreError, artifactKey, callIdSegment, type ArtifactMeta, type ArtifactStore } from '@invorto/artifacts/artifact-store.ts';
import type { Logger } from '../util/log.ts';
import { TypedEmitter } from '../util/typed-emitter.ts';
import { readManifest, removeJob, syncFolder, writeDurably, writeManifest, type UploadManifest } from './upload-job.ts';

export type NewUploadPart = { name: string; contentType: string } & ({ bytes: Uint8Array | string } | { file: string });

export interface NewUploadJob {
  tenantId: string;
  callId: string;
  startedAt: Date;
  meta: Omit<ArtifactMeta, 'contentType'>;
  parts: NewUploadPart[];
}

export type UploadQueueEvents = {
  enqueued: { callId: string; bytes: number };
  /** One part is in the store. */
  uploaded: { callId: string; name: string; bytes: number };
  /** A put failed; the job is tried again in `retryInMs`. */
  failed: { callId: string; message: string; retryable: boolean; retryInMs: number };
  /** Jobs on disk waiting for the store (including the one in progress). */
  pending: { jobs: number };
};

export interface UploadQueueOptions {
  /** The queue's folder (`<data-dir>/uploads`). */
  dir: string;
  store: ArtifactStore;
  log: Logger;
  backoff?: { initialMs: number; maxMs: number };
  /** At most one error line per this many ms while the store keeps failing (default a minute). */
  errorLogIntervalMs?: number;
}

/** Progress of a part at least this large is logged at each quarter; smaller parts go in one line per job. */
const PROGRESS_LOG_BYTES = 1_048_576;

export class UploadQueue extends TypedEmitter<UploadQueueEvents> {
  readonly #options: UploadQueueOptions;
  readonly #jobs: string[] = [];
  readonly #abort = new AbortController();
  #wake: (() => void) | null = null;
  #idleWaiters: (() => void)[] = [];
  #running: Promise<void> | null = null;
  #failures = 0;
  #lastErrorLogMs = -Infinity;
  /** Bytes stored since the edge started. */
  bytesUploaded = 0;

  constructor(options: UploadQueueOptions) {
    super();
    this.#options = options;
  }

  get pendingJobs(): number {
    return this.#jobs.length;
  }

  /** Picks up the jobs a previous run left (a job without its manifest was never finished: it goes), then uploads. */
  async start(): Promise<void> {
    const { dir, log } = this.#options;
    await mkdir(dir, { recursive: true });
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name))) {
      const folder = join(dir, entry.name);
      const manifest = await readManifest(folder).catch((error: Error) => {
        log.error({ job: folder, err: error.message }, 'upload job unreadable: set aside as .broken');
        return rename(folder, join(dir, `.broken-${entry.name}`)).then(() => undefined, () => undefined);
      });
      if (manifest === null) {
        log.warn({ job: folder }, 'upload job the edge did not finish writing (it stopped at hang-up): removed');
        await removeJob(folder);
      } else if (manifest && !this.#jobs.includes(folder)) this.#jobs.push(folder);
    }
    if (this.#jobs.length) log.info({ jobs: this.#jobs.length }, 'artifact uploads left by the last run: resuming');
    this.emit('pending', { jobs: this.#jobs.length });
    this.#running = this.#work();
  }

  /**
   * Writes the job to disk (durably) and queues it. Rejects when it could not be kept (disk full) or could never be
   * stored (no usable key: checked here, so such a job never blocks the queue): nothing is queued.
   */
  async enqueue(job: NewUploadJob): Promise<void> {
    for (const part of job.parts) artifactKey(job.tenantId, job.callId, job.startedAt, part.name);
    // The folder is named as the key names the call: a carrier's call id may hold "/" or "..", never a path here.
    const folder = join(this.#options.dir, callIdSegment(job.callId));
    await removeJob(folder); // a job folder without a manifest, left by a crash while it was written
    try {
      await mkdir(folder, { recursive: true });
      let total = 0;
      const parts = [];
      for (const part of job.parts) {
        const target = join(folder, part.name);
        if ('file' in part) await rename(part.file, target);
        else await writeDurably(target, part.bytes);
        const bytes = (await stat(target)).size;
        total += bytes;
        parts.push({ name: part.name, contentType: part.contentType, bytes });
      }
      await syncFolder(folder);
      const manifest: UploadManifest = { version: 1, tenantId: job.tenantId, callId: job.callId, startedAt: job.startedAt.toISOString(), meta: job.meta, parts, done: [] };
      await writeManifest(folder, manifest);
      this.#jobs.push(folder);
      this.emit('enqueued', { callId: job.callId, bytes: total });
      this.emit('pending', { jobs: this.#jobs.length });
      this.#wake?.();
    } catch (error) {
      await removeJob(folder).catch(() => {});
      throw error;
    }
  }

  /** Resolves once every queued job is stored (tests, and a draining edge that wants its uploads out). */
  idle(): Promise<void> {
    if (this.#jobs.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops the worker (an upload in flight is abandoned and its job stays on disk for the next start). */
  async close(): Promise<void> {
    this.#abort.abort();
    this.#wake?.();
    await this.#running;
  }

  async #work(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      const folder = this.#jobs[0];
      if (!folder) {
        for (const resolve of this.#idleWaiters.splice(0)) resolve();
        await new Promise<void>((resolve) => { this.#wake = resolve; });
        this.#wake = null;
        continue;
      }
      try {
        await this.#upload(folder, signal);
        this.#jobs.shift();
        this.emit('pending', { jobs: this.#jobs.length });
        if (this.#failures) this.#options.log.info({ pendingJobs: this.#jobs.length, failures: this.#failures }, 'artifact store answering again: uploads resumed');
        this.#failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        await this.#backOff(folder, error as Error, signal);
      }
    }
  }

  async #upload(folder: string, signal: AbortSignal): Promise<void> {
    const manifest = await readManifest(folder);
    if (!manifest) return;
    const { log, store } = this.#options;
    const startedAt = new Date(manifest.startedAt);
    let keys: string[];
    try {
      keys = manifest.parts.map((part) => artifactKey(manifest.tenantId, manifest.callId, startedAt, part.name));
    } catch (error) {
      // No key will ever take it (a manifest from another version, or edited): retrying would block every later job.
      log.error({ job: folder, callId: manifest.callId, err: (error as Error).message }, 'upload job has no usable artifact key: set aside as .broken');
      await rename(folder, join(this.#options.dir, `.broken-${folder.slice(folder.lastIndexOf('/') + 1)}`));
      return;
    }
    for (const [index, part] of manifest.parts.entries()) {
      if (manifest.done.includes(part.name)) continue;
      const file = join(folder, part.name);
      const key = keys[index];
      let loggedQuarter = 0;
      await store.put(key, { file }, { ...manifest.meta, contentType: part.contentType }, {
        signal,
        onProgress: ({ percent }) => {
          const quarter = Math.floor(percent / 25);
          if (part.bytes < PROGRESS_LOG_BYTES || quarter <= loggedQuarter) return;
          loggedQuarter = quarter;
          log.info({ callId: manifest.callId, key, percent: Math.round(percent), bytes: part.bytes }, 'uploading artifact');
        },
      });
      manifest.done.push(part.name);
      this.bytesUploaded += part.bytes;
      this.emit('uploaded', { callId: manifest.callId, name: part.name, bytes: part.bytes });
      await writeManifest(folder, manifest);
    }
    const bytes = manifest.parts.reduce((sum, part) => sum + part.bytes, 0);
    log.info({ callId: manifest.callId, parts: manifest.parts.length, bytes, store: store.kind }, 'call artifacts uploaded (100%)');
    await removeJob(folder);
  }

  /** Waits before trying the job again: 1 s doubling to the cap, jittered, and says so once per interval. */
  async #backOff(folder: string, error: Error, signal: AbortSignal): Promise<void> {
    const { initialMs, maxMs } = this.#options.backoff ?? { initialMs: 1000, maxMs: 60_000 };
    const retryable = error instanceof ArtifactStoreError ? error.retryable : false;
    // A store that refuses (credentials, config) may be fixed without a restart: it is asked again at the cap.
    const ceilingMs = retryable ? Math.min(maxMs, initialMs * 2 ** this.#failures) : maxMs;
    const retryInMs = Math.round(ceilingMs / 2 + (Math.random() * ceilingMs) / 2);
    this.#failures++;
    const callId = folder.slice(folder.lastIndexOf('/') + 1);
    this.emit('failed', { callId, message: error.message, retryable, retryInMs });
    const intervalMs = this.#options.errorLogIntervalMs ?? 60_000;
    if (performance.now() - this.#lastErrorLogMs >= intervalMs) {
      this.#lastErrorLogMs = performance.now();
      const kind = error instanceof ArtifactStoreError ? error.kind : 'local';
      this.#options.log.error(
        { err: error.message, kind, pendingJobs: this.#jobs.length, failures: this.#failures, retryInS: retryInMs / 1000 },
        `artifact uploads failing (${this.#options.store.kind} store): jobs stay queued on disk and are retried; calls are not affected`,
      );
    }
    await new Promise<void>((resolve) => {
      const done = () => { clearTimeout(timer); signal.removeEventListener('abort', done); resolve(); };
      const timer = setTimeout(done, retryInMs);
      timer.unref();
      signal.addEventListener('abort', done);
    });
  }
}
