// Turns a call's events into protobuf CallEvents with a per-call sequence number, for whatever log is configured.
import { v1, type invorto } from '@invorto/proto';
import type { Call } from '../runtime/call.ts';
import type { UsageReport } from '../runtime/usage-meter.ts';
import type { TimelineSink } from '@invorto/timeline/timeline-log.ts';

export type { TimelineSink };

type CallEventInit = Omit<ConstructorParameters<typeof v1.CallEvent>[0] & object, 'callId' | 'seq' | 'tsMs' | 'tenantId' | 'agentId'>;

/** Which edge writes a sink's calls: stamped on each call-started event, so control knows which calls an edge held. */
const sinkEdgeIds = new WeakMap<TimelineSink, string>();

/** Names the edge (worker) whose calls `sink` records; set once the edge knows its address, before any call. */
export function setTimelineEdgeId(sink: TimelineSink, edgeId: string): void {
  sinkEdgeIds.set(sink, edgeId);
}

export interface TimelineIds {
  tenantId: string;
  agentId: string;
  /** The agent version the call runs (0 or absent: unknown). */
  agentVersion?: number;
  /** Default: the id set with setTimelineEdgeId for this sink. */
  edgeId?: string;
}

export function recordTimeline(call: Call, sink: TimelineSink, ids: TimelineIds): void {
  let seq = 0;
  const edgeId = ids.edgeId ?? sinkEdgeIds.get(sink) ?? '';
  const publish = (init: CallEventInit) => {
    seq += 1;
    const event = v1.CallEvent.create({ ...init, callId: call.id, seq, tsMs: Date.now(), tenantId: ids.tenantId, agentId: ids.agentId });
    sink.append(call.id, seq, v1.CallEvent.encode(event).finish());
  };
  call.on('started', (e) => publish({ callStarted: { transport: e.transport, carrierCallId: e.carrierCallId, codec: e.codec, sampleRateHz: e.sampleRateHz, from: e.parameters.from ?? '', to: e.parameters.to ?? '', edgeId, agentVersion: ids.agentVersion ?? 0 } }));
  call.on('state', (e) => publish({ stateChanged: { from: e.from, to: e.to, reason: e.reason } }));
  call.on('transcript', (e) => { if (e.text) publish({ transcript: { text: e.text, isFinal: e.isFinal, confidence: e.confidence, speaker: 'caller' } }); });
  call.on('agentSpeech', (e) => publish({ agentSpeech: { text: e.text, interrupted: e.interrupted } }));
  call.on('turn', (e) => publish({
    turn: {
      index: e.index, callerText: e.callerText, agentText: e.agentText,
      callerSpeechEndMs: e.callerSpeechEndMs ?? 0, agentFirstAudioMs: e.agentFirstAudioMs, agentDoneMs: e.agentDoneMs,
      endOfTurnLatencyMs: e.callerSpeechEndMs === null ? 0 : e.agentFirstAudioMs - e.callerSpeechEndMs,
    },
  }));
  call.on('bargeIn', (e) => publish({ bargeIn: { onsetMs: e.onsetMs, audioStoppedMs: e.stoppedMs, committedMs: e.committedMs, cause: e.cause, playedText: e.playedText, onsetAudioMs: e.audio.onsetMs, stoppedAudioMs: e.audio.pausedMs } }));
  call.on('falseInterruption', (e) => publish({ falseInterruption: { onsetMs: e.onsetMs, pausedMs: e.pausedMs, resumedMs: e.resumedMs, callerText: e.callerText, kind: e.kind, onsetAudioMs: e.audio.onsetMs, pausedAudioMs: e.audio.pausedMs, ducked: e.ducked } }));
  call.on('languageChanged', (e) => publish({ languageChanged: { from: e.from, to: e.to, source: e.source, voice: e.voice } }));
  call.on('turnHeld', (e) => publish({ turnHeld: { text: e.text, reason: e.reason, holdMs: e.holdMs } }));
  call.on('speculativeReply', (e) => publish({ speculativeReply: { outcome: e.outcome, reason: e.reason, text: e.text, startedMs: e.startedMs, decidedMs: e.decidedMs } }));
  call.on('toolCall', (e) => publish({ toolCall: { callRef: e.ref, name: e.name, argumentsJson: e.argumentsJson } }));
  call.on('toolResult', (e) => publish({ toolResult: { callRef: e.ref, ok: e.ok, resultJson: e.resultJson, durationMs: e.durationMs } }));
  call.on('ttfb', (e) => publish({ ttfb: { stage: e.stage, provider: e.provider, seconds: e.seconds } }));
  call.on('providerError', (e) => publish({ providerError: { provider: e.provider, stage: e.stage, message: e.message, recovered: e.recovered } }));
  call.on('failover', (e) => publish({ providerFailover: { stage: e.stage, from: e.from, to: e.to, reason: e.reason, recoveredMs: e.recoveredMs } }));
  call.on('budget', (e) => publish({ budget: { scope: e.scope, percent: e.percent, spentPaise: e.spentPaise, limitPaise: e.limitPaise } }));
  call.on('usage', (e) => { for (const usage of usageEvents(e)) publish({ usage }); });
  call.on('ended', (e) => {
    publish({ callEnded: { reason: e.reason, detail: e.detail, durationS: e.durationS } });
    void sink.flush(); // the call's record is complete: stored now, not after the sink's batching delay
  });
}

/**
 * A call's usage as Usage events: the first holds the telephony seconds and each stage's first engine (model, voice),
 * each further one the next engine of any stage that used several (a failover, a fallback model, a second voice).
 * A call on one engine per stage reports one event, as before. A report without parts is one event of its totals.
 */
export function usageEvents(report: UsageReport): invorto.v1.IUsage[] {
  const { asr = [], llm = [], tts = [] } = report;
  const speculative = report.llmSpeculativeRequests ? {
    llmSpeculativeRequests: report.llmSpeculativeRequests, llmSpeculativeInputTokens: report.llmSpeculativeInputTokens, llmSpeculativeOutputTokens: report.llmSpeculativeOutputTokens,
  } : {};
  if (!asr.length && !llm.length && !tts.length) {
    const { telephonyS, asrAudioS, llmInputTokens, llmCachedInputTokens, llmOutputTokens, ttsCharacters, llmModel } = report;
    return [{ telephonyS, asrAudioS, llmInputTokens, llmCachedInputTokens, llmOutputTokens, ttsCharacters, llmModel, ...speculative }];
  }
  return Array.from({ length: Math.max(asr.length, llm.length, tts.length) }, (_, i) => ({
    telephonyS: i === 0 ? report.telephonyS : 0,
    ...(i === 0 && speculative),
    ...(asr[i] && { asrAudioS: asr[i].audioS, asrProvider: asr[i].provider, asrModel: asr[i].model }),
    ...(llm[i] && {
      llmInputTokens: llm[i].inputTokens, llmCachedInputTokens: llm[i].cachedInputTokens, llmOutputTokens: llm[i].outputTokens,
      llmModel: llm[i].model, llmProvider: llm[i].provider,
    }),
    ...(tts[i] && { ttsCharacters: tts[i].characters, ttsProvider: tts[i].provider, ttsVoice: tts[i].voice }),
  }));
}
