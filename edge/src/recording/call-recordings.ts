// Recording on an edge node: for each call whose agent records, a stereo recorder fed by the carrier output it
// wraps (what was played, and the clears) and by the caller's audio; at hang-up the WAV, the transcripts and the
// event log go to the durable upload queue. Agents that do not record get nothing at all: no wrapper, no cost.
// Failures are logged once a minute at most and never reach the call.
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ARTIFACT_NAMES, callIdSegment, type ArtifactStore } from '@invorto/artifacts/artifact-store.ts';
import type { AgentConfig } from '@invorto/proto/agent-config.ts';
import type { Call } from '../runtime/call.ts';
import type { CarrierOutput, MediaFormat } from '../transports/types.ts';
import type { Logger } from '../util/log.ts';
import { CallArtifacts } from './call-artifacts.ts';
import { CallRecorder } from './call-recorder.ts';
import { UploadQueue, type NewUploadPart, type UploadQueueOptions } from './upload-queue.ts';

export interface CallRecordingsOptions {
  dataDir: string;
  store: ArtifactStore;
  log: Logger;
  /** Sealed audio a recorder holds before writing it to its file (see CallRecorder). */
  spillAtBytes?: number;
  queue?: Pick<UploadQueueOptions, 'backoff' | 'errorLogIntervalMs'>;
  /** Where a recording is written while its call goes on (default `<data-dir>/uploads/.recording`). */
  recordingDir?: string;
}

export interface RecordingStart {
  callId: string;
  tenantId: string;
  agentId: string;
  agent: AgentConfig;
  format: MediaFormat;
  output: CarrierOutput;
}

/** One call's recording: the output the call must speak through, the caller's audio tap, and the call to watch. */
export interface CallRecording {
  readonly output: CarrierOutput;
  inbound(payload: Uint8Array): void;
  observe(call: Call): void;
  /** The call never started: nothing is kept. */
  discard(): void;
}

export class CallRecordings {
  readonly queue: UploadQueue;
  readonly #options: CallRecordingsOptions;
  readonly #recordingDir: string;
  readonly #finishing = new Set<Promise<void>>();
  readonly #warn: (message: string, fields: Record<string, unknown>) => void;
  /** Recordings stopped early (disk full, disk too slow), since the edge started. */
  stoppedRecordings = 0;

  constructor(options: CallRecordingsOptions) {
    this.#options = options;
    const uploads = join(options.dataDir, 'uploads');
    this.#recordingDir = options.recordingDir ?? join(uploads, '.recording');
    this.queue = new UploadQueue({ dir: uploads, store: options.store, log: options.log, ...options.queue });
    this.#warn = throttled(options.log, options.queue?.errorLogIntervalMs ?? 60_000);
  }

  /** Clears what calls in progress left when the edge last stopped, and resumes the uploads it left. */
  async start(): Promise<void> {
    await mkdir(this.#recordingDir, { recursive: true });
    const leftovers = await readdir(this.#recordingDir);
    if (leftovers.length) this.#options.log.warn({ files: leftovers.length }, 'recordings of calls in progress when the edge stopped: removed (those calls never ended here)');
    await Promise.all(leftovers.map((name) => rm(join(this.#recordingDir, name), { force: true })));
    await this.queue.start();
  }

  /** A recording for the call, or null when its agent does not record. */
  open(start: RecordingStart): CallRecording | null {
    const settings = start.agent.recording;
    if (!settings || settings.mode !== 'stereo') return null;
    const startedAt = new Date();
    const recorder = new CallRecorder({
      encoding: settings.encoding ?? 'mulaw',
      input: start.format,
      file: join(this.#recordingDir, `${callIdSegment(start.callId)}.wav`),
      spillAtBytes: this.#options.spillAtBytes,
      onStopped: (reason) => {
        this.stoppedRecordings++;
        this.#warn('call recording stopped; the call goes on', { callId: start.callId, reason });
      },
    });
    const inner = start.output;
    const output: CarrierOutput = {
      format: inner.format,
      chunkBytes: inner.chunkBytes,
      writable: () => inner.writable(),
      sendAudio: (frame) => { recorder.agent(frame); return inner.sendAudio(frame); },
      sendMark: (name) => inner.sendMark(name),
      clear: () => { recorder.clear(); inner.clear(); },
      hangup: (reason) => inner.hangup(reason),
      ...(inner.transfer ? { transfer: (target: string) => inner.transfer!(target) } : {}),
    };
    return {
      output,
      inbound: (payload) => recorder.caller(payload),
      observe: (call) => {
        const artifacts = new CallArtifacts(call, { tenantId: start.tenantId, agentId: start.agentId, agentVersion: start.agent.version, startedAt });
        call.on('ended', ({ durationS }) => this.#track(this.#keep(start, startedAt, durationS, recorder, artifacts)));
      },
      discard: () => this.#track(recorder.discard()),
    };
  }

  /** Waits for recordings being handed to the queue, then stops uploading (what is left goes at the next start). */
  async close(): Promise<void> {
    await Promise.allSettled(this.#finishing);
    await this.queue.close();
  }

  #track(work: Promise<void>): void {
    this.#finishing.add(work);
    void work.finally(() => this.#finishing.delete(work));
  }

  async #keep(start: RecordingStart, startedAt: Date, durationS: number, recorder: CallRecorder, artifacts: CallArtifacts): Promise<void> {
    try {
      const wav = await recorder.finish();
      const files = artifacts.files();
      const parts: NewUploadPart[] = [
        { name: ARTIFACT_NAMES.transcriptJson, contentType: 'application/json', bytes: files.transcriptJson },
        { name: ARTIFACT_NAMES.transcriptText, contentType: 'text/plain; charset=utf-8', bytes: files.transcriptText },
        { name: ARTIFACT_NAMES.events, contentType: 'application/x-ndjson', bytes: files.eventsJsonl },
      ];
      if (wav) parts.unshift({ name: ARTIFACT_NAMES.recording, contentType: 'audio/wav', file: wav.file });
      const meta = { tenantId: start.tenantId, callId: start.callId, agentId: start.agentId, agentVersion: start.agent.version, durationS: Math.round(durationS * 1000) / 1000 };
      await this.queue.enqueue({ tenantId: start.tenantId, callId: start.callId, startedAt, meta, parts });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOSPC' || code === 'EDQUOT' ? `the disk is full (${code})` : (error as Error).message;
      this.#warn('call artifacts could not be queued for upload: they are lost', { callId: start.callId, err: why });
      await rm(join(this.#recordingDir, `${callIdSegment(start.callId)}.wav`), { force: true }).catch(() => {});
    }
  }
}

/** Logs a warning at most once per interval: a full disk or a dead store must not flood the log. */
function throttled(log: Logger, intervalMs: number): (message: string, fields: Record<string, unknown>) => void {
  let lastMs = -Infinity;
  let skipped = 0;
  return (message, fields) => {
    if (performance.now() - lastMs < intervalMs) {
      skipped++;
      return;
    }
    lastMs = performance.now();
    log.warn({ ...fields, ...(skipped ? { alsoSinceLastLine: skipped } : {}) }, message);
    skipped = 0;
  };
}
