// Recording and upload metrics: the queue's backlog, what it stored and how often the store failed, and recordings
// stopped early. They observe the queue's events; nothing in the queue or the recorder calls them.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CallRecordings } from './call-recordings.ts';

export function watchRecordings(registry: Registry, recordings: CallRecordings): void {
  const registers = [registry];
  const pending = new Gauge({ name: 'invorto_artifact_uploads_pending_jobs', help: 'Calls whose artifacts wait on the edge\'s disk for the artifact store', registers });
  const bytes = new Counter({ name: 'invorto_artifact_uploaded_bytes_total', help: 'Bytes of call artifacts stored (recordings, transcripts, event logs)', registers });
  const failures = new Counter({ name: 'invorto_artifact_upload_failures_total', help: 'Artifact puts that failed and will be retried, by whether the error was retryable', labelNames: ['retryable'], registers });
  new Gauge({ name: 'invorto_recordings_stopped_total', help: 'Call recordings stopped early (disk full or too slow) since the edge started; their calls went on', registers, collect() { this.set(recordings.stoppedRecordings); } });
  const queue = recordings.queue;
  pending.set(queue.pendingJobs);
  queue.on('pending', ({ jobs }) => pending.set(jobs));
  queue.on('uploaded', ({ bytes: stored }) => bytes.inc(stored));
  queue.on('failed', ({ retryable }) => failures.inc({ retryable: String(retryable) }));
}
