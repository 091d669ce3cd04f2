// A call's details, read off its events in seq order: the transcript, each turn with its latencies (the stages'
// times to first byte are the ttfb events that came before the turn's own event), barge-ins and tool calls.
import type { CallDetails, CallSummary } from './schema.ts';
import type { CallEventRow, CallRow } from './repository.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
const num = (v: unknown) => (typeof v === 'number' ? v : Number(v ?? 0) || 0);
/** A latency from two performance.now() times of the edge; null when either is missing. */
const span = (from: unknown, to: unknown) => (num(from) > 0 && num(to) > 0 ? Math.round((num(to) - num(from)) * 10) / 10 : null);

export function summaryOf(r: CallRow): CallSummary {
  return {
    id: r.id, agentId: r.agent_id, agentVersion: r.agent_version === null ? null : Number(r.agent_version), edgeId: r.edge_id,
    transport: r.transport, from: r.from_number, to: r.to_number,
    startedAt: iso(Number(r.started_at)), endedAt: r.ended_at === null ? null : iso(Number(r.ended_at)),
    outcome: r.outcome, durationS: r.duration_s === null ? null : Number(r.duration_s),
    turnCount: Number(r.turns), bargeInCount: Number(r.barge_ins), toolCallCount: Number(r.tool_calls),
    usage: {
      asrAudioS: Number(r.asr_audio_s), llmInputTokens: Number(r.llm_input_tokens), llmOutputTokens: Number(r.llm_output_tokens),
      ttsCharacters: Number(r.tts_characters), telephonyS: Number(r.telephony_s), llmModel: r.llm_model,
    },
  };
}

export function detailsOf(row: CallRow, events: CallEventRow[]): CallDetails {
  const details: CallDetails = { ...summaryOf(row), transcript: [], turns: [], bargeIns: [], toolCalls: [] };
  let ttfb: CallDetails['turns'][number]['ttfbMs'] = { asr: null, llm: null, tts: null };
  const tools = new Map<string, CallDetails['toolCalls'][number]>();
  for (const { seq, tsMs, kind, payload: p } of events) {
    if (kind === 'transcript' && p.isFinal) details.transcript.push({ seq, at: iso(tsMs), speaker: str(p.speaker) || 'caller', text: str(p.text) });
    else if (kind === 'agentSpeech') details.transcript.push({ seq, at: iso(tsMs), speaker: 'agent', text: str(p.text) });
    else if (kind === 'ttfb') {
      const stage = str(p.stage);
      if (stage === 'asr' || stage === 'llm' || stage === 'tts') ttfb[stage] = Math.round(num(p.seconds) * 10_000) / 10;
    } else if (kind === 'turn') {
      details.turns.push({
        index: num(p.index), callerText: str(p.callerText), agentText: str(p.agentText),
        endOfTurnMs: num(p.callerSpeechEndMs) > 0 ? Math.round(num(p.endOfTurnLatencyMs) * 10) / 10 : null,
        agentSpeakingMs: span(p.agentFirstAudioMs, p.agentDoneMs), ttfbMs: ttfb,
      });
      ttfb = { asr: null, llm: null, tts: null };
    } else if (kind === 'bargeIn') {
      details.bargeIns.push({ seq, at: iso(tsMs), cause: str(p.cause), playedText: str(p.playedText), silenceAfterMs: span(p.onsetMs, p.audioStoppedMs) });
    } else if (kind === 'toolCall') {
      const tool = { ref: str(p.callRef), name: str(p.name), arguments: str(p.argumentsJson), ok: null, result: null, durationMs: null };
      tools.set(tool.ref, tool);
      details.toolCalls.push(tool);
    } else if (kind === 'toolResult') {
      const tool = tools.get(str(p.callRef));
      if (tool) Object.assign(tool, { ok: Boolean(p.ok), result: str(p.resultJson), durationMs: num(p.durationMs) });
    }
  }
  return details;
}
