// What a call leaves besides its recording, gathered from its events as it goes: the transcript (who said what,
// when, as JSON and as plain text) and its event log (the same timeline events the edge's log gets, as JSON
// lines). Only recorded calls gather them; the cost is a copy of each timeline event, never per frame.
import { eventJson } from '@invorto/timeline/event-json.ts';
import type { TimelineSink } from '@invorto/timeline/timeline-log.ts';
import type { Call } from '../runtime/call.ts';
import type { EndReason } from '../runtime/call-events.ts';
import { recordTimeline, type TimelineIds } from '../timeline/call-timeline.ts';

export interface TranscriptLine {
  speaker: 'caller' | 'agent';
  text: string;
  /** Seconds from the call's start. */
  atS: number;
  /** The agent was cut off by the caller: `text` is what was heard. */
  interrupted?: boolean;
}

export interface CallTranscript {
  callId: string;
  tenantId: string;
  agentId: string;
  startedAt: string;
  durationS: number;
  endReason: EndReason | '';
  lines: TranscriptLine[];
}

export interface CallArtifactFiles {
  transcript: CallTranscript;
  transcriptJson: string;
  transcriptText: string;
  eventsJsonl: string;
}

export class CallArtifacts {
  readonly #transcript: CallTranscript;
  readonly #events: Uint8Array[] = [];
  readonly #startedMs = performance.now();

  constructor(call: Call, ids: TimelineIds & { startedAt: Date }) {
    this.#transcript = { callId: call.id, tenantId: ids.tenantId, agentId: ids.agentId, startedAt: ids.startedAt.toISOString(), durationS: 0, endReason: '', lines: [] };
    const sink: TimelineSink = { append: (_callId, _seq, encoded) => { this.#events.push(encoded); }, flush: async () => {}, close: async () => {} };
    recordTimeline(call, sink, ids);
    const atS = () => Math.round(performance.now() - this.#startedMs) / 1000;
    call.on('endOfTurn', ({ text }) => { if (text) this.#transcript.lines.push({ speaker: 'caller', text, atS: atS() }); });
    call.on('agentSpeech', ({ text, interrupted }) => {
      if (text) this.#transcript.lines.push({ speaker: 'agent', text, atS: atS(), ...(interrupted ? { interrupted } : {}) });
    });
    call.on('ended', ({ reason, durationS }) => {
      this.#transcript.endReason = reason;
      this.#transcript.durationS = Math.round(durationS * 1000) / 1000;
    });
  }

  /** The files, once the call has ended (its `ended` event carries the last timeline event). */
  files(): CallArtifactFiles {
    const transcript = this.#transcript;
    const text = transcript.lines.map((line) => `[${clock(line.atS)}] ${line.speaker === 'caller' ? 'Caller' : 'Agent'}: ${line.text}${line.interrupted ? ' [interrupted]' : ''}`);
    return {
      transcript,
      transcriptJson: JSON.stringify(transcript, null, 2),
      transcriptText: text.length ? `${text.join('\n')}\n` : '',
      eventsJsonl: this.#events.map((encoded) => JSON.stringify(eventJson(encoded))).join('\n') + (this.#events.length ? '\n' : ''),
    };
  }
}

/** mm:ss.t */
function clock(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return `${String(minutes).padStart(2, '0')}:${(seconds - minutes * 60).toFixed(1).padStart(4, '0')}`;
}
