// Everything a call reports about itself. Metrics and the timeline subscribe to these; nothing calls into them.
import type { UsageReport } from './usage-meter.ts';
import type { AudioSpan } from './interruption.ts';

export type CallState = 'IDLE' | 'LISTENING' | 'PROCESSING' | 'SPEAKING' | 'ENDED';

export type EndReason = 'caller_hangup' | 'agent_hangup' | 'transferred' | 'protocol_error' | 'error' | 'drain' | 'timeout' | 'provider-lost' | 'cost-limit';

export interface TurnTiming {
  index: number;
  callerText: string;
  agentText: string;
  /** performance.now() milliseconds; null when the turn had no caller speech (the greeting). */
  callerSpeechEndMs: number | null;
  agentFirstAudioMs: number;
  agentDoneMs: number;
}

export type CallEvents = {
  started: { transport: string; carrierCallId: string; codec: string; sampleRateHz: number; parameters: Record<string, string> };
  state: { from: CallState; to: CallState; reason: string };
  /** Every inbound 20 ms frame. The payload object is reused for the next frame: read it, do not keep it. */
  frame: { processingNs: number; speech: boolean; rmsDb: number };
  /** RTP only: each 20 ms played out of the jitter buffer (its delay) or concealed by loss concealment. */
  playout: { delayMs: number; concealed: boolean };
  /** RTP only: packets the jitter buffer refused. */
  mediaDropped: { reason: 'late' | 'duplicate'; frames: number };
  transcript: { text: string; isFinal: boolean; confidence: number };
  /** A caller turn ended and the agent will answer it. */
  endOfTurn: { text: string; speechEndMs: number; decidedMs: number; cause: string };
  agentSpeech: { text: string; interrupted: boolean };
  /** A reply's first frame went out; `callerSpeechEndMs` is null for the greeting. Turn latency ends here. */
  agentAudioStarted: { callerSpeechEndMs: number | null; atMs: number };
  turn: TurnTiming;
  /** The caller really took the turn: the agent had fallen silent at `stoppedMs`, and the reply is now cancelled. */
  bargeIn: { onsetMs: number; stoppedMs: number; committedMs: number; cause: string; playedText: string; audio: AudioSpan };
  /** Caller sound while the agent spoke was a backchannel or noise: the agent paused, then resumed. */
  /** `ducked`: the agent only went quieter (from `pausedMs`), its audio never stopped. */
  falseInterruption: { onsetMs: number; pausedMs: number; resumedMs: number; callerText: string; kind: 'backchannel' | 'noise'; audio: AudioSpan; ducked: boolean };
  /**
   * A reply prepared before the caller's turn was confirmed (its LLM request began at `startedMs`): `played` once the
   * turn was confirmed on the same words, or `cancelled` unheard (the caller went on, or the words changed).
   */
  speculativeReply: { outcome: 'played' | 'cancelled'; reason: string; text: string; startedMs: number; decidedMs: number };
  /** The endpoint fired but the words say the caller is not done; the turn is held open for `holdMs`. */
  turnHeld: { text: string; reason: string; holdMs: number };
  /** The caller spoke another of the agent's languages (told by the ASR's tag or by the words): the voice follows. */
  languageChanged: { from: string; to: string; source: 'asr' | 'text'; voice: string };
  toolCall: { ref: string; name: string; argumentsJson: string };
  toolResult: { ref: string; name: string; ok: boolean; resultJson: string; durationMs: number };
  providerError: { stage: 'asr' | 'llm' | 'tts'; provider: string; message: string; recovered: boolean };
  ttfb: { stage: 'asr' | 'llm' | 'tts'; provider: string; seconds: number };
  /** An engine was lost mid-call and `to` took over (from the same chain), `recoveredMs` after; `to` empty: none left. */
  failover: { stage: 'asr' | 'llm' | 'tts'; from: string; to: string; reason: string; recoveredMs: number };
  /** Audio a bounded queue refused, reported once at the end of the call when there was any. */
  dropped: { queue: 'asr-early' | 'asr-unacked' | 'outbound'; bytes: number };
  /** A budget crossed 80 % or 100 % during this call (the edge's running estimate): `call` cap or `tenant` month. */
  budget: { scope: 'call' | 'tenant'; percent: 80 | 100; spentPaise: number; limitPaise: number };
  /** What the call used, in total and per engine; reported once, as the call ends. */
  usage: UsageReport;
  ended: { reason: EndReason; detail: string; durationS: number };
};
