// Media: dsp time per inbound frame, jitter-buffer delay, frames dropped and concealed, audio refused by bounded
// queues, and malformed media messages.
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Call } from '../runtime/call.ts';
import { FRAME_BUCKETS_S, JITTER_BUCKETS_S, type ErrorKind } from './buckets.ts';
import { FrameHistogram } from './frame-histogram.ts';

const DROP_REASONS = ['late', 'duplicate'] as const;

export class MediaMetrics {
  readonly frameProcessing: FrameHistogram;
  readonly jitterDelay: Histogram;
  readonly framesDropped: Counter;
  readonly framesConcealed: Counter;
  readonly audioDropped: Counter;
  readonly #protocolErrors: Counter;

  constructor(registers: Registry[], private readonly error: (kind: ErrorKind) => void) {
    this.frameProcessing = new FrameHistogram('invorto_frame_processing_seconds', 'Inbound dsp time per 20 ms frame', FRAME_BUCKETS_S, registers);
    this.jitterDelay = new Histogram({ name: 'invorto_jitter_buffer_delay_seconds', help: 'RTP: how long each played packet waited in the jitter buffer', buckets: JITTER_BUCKETS_S, registers });
    this.framesDropped = new Counter({ name: 'invorto_media_frames_dropped_total', help: 'RTP packets the jitter buffer refused, by reason (late: after its playout time; duplicate)', labelNames: ['reason'], registers });
    this.framesConcealed = new Counter({ name: 'invorto_media_frames_concealed_total', help: 'RTP: 20 ms frames filled in by loss concealment (lost or late packets)', registers });
    this.audioDropped = new Counter({ name: 'invorto_audio_dropped_bytes_total', help: 'Audio bytes refused by a bounded queue: pending (media before the call started), asr-early (before the ASR connected), asr-unacked (the ASR over 30 s behind), outbound (over 60 s queued)', labelNames: ['queue'], registers });
    this.#protocolErrors = new Counter({ name: 'invorto_protocol_errors_total', help: 'Media-socket messages rejected, by transport', labelNames: ['transport'], registers });
    for (const reason of DROP_REASONS) this.framesDropped.inc({ reason }, 0);
  }

  /** A carrier message that could not be used (malformed, wrong codec, too large). */
  protocolError(transport: string): void {
    this.#protocolErrors.inc({ transport });
    this.error('protocol');
  }

  observe(call: Call): void {
    call.on('frame', (frame) => this.frameProcessing.observe(frame.processingNs / 1e9));
    call.on('playout', ({ delayMs, concealed }) => {
      if (concealed) this.framesConcealed.inc();
      else this.jitterDelay.observe(delayMs / 1000);
    });
    call.on('mediaDropped', ({ reason, frames }) => this.framesDropped.inc({ reason }, frames));
    call.on('dropped', ({ queue, bytes }) => this.audioDropped.inc({ queue }, bytes));
  }
}
