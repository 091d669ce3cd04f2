// What a call used, as billing needs it, and how to read it from the call's timeline events. Billing depends on
// this shape only, not on the calls module's tables: whatever builds call records hands it a CallUsage.
export interface CallUsage {
  callId: string;
  tenantId: string;
  agentId: string;
  /** The call's start: it picks the prices and the exchange rate in force. */
  startedAtMs: number;
  /** The carrier leg; null when there is none to bill (e.g. a test client). */
  telephony: { carrier: string; direction: 'inbound' | 'outbound'; seconds: number } | null;
  /** Audio seconds sent to each speech-to-text engine. */
  asr: { provider: string; model: string; seconds: number }[];
  /** Tokens per model: input excludes the cached input, which is billed at its own rate. */
  llm: { provider: string; model: string; inputTokens: number; cachedInputTokens: number; outputTokens: number }[];
  /** Characters synthesized per engine and model, including sentences cut off by a barge-in (they were paid for). */
  tts: { provider: string; model: string; characters: number }[];
  /** Tool and webhook calls by name. */
  tools: { name: string; calls: number }[];
}

/** A timeline event as control stores it (proto/timeline event-json). */
export interface TimelineEventJson { callId: string; seq: number; tsMs: number; tenantId: string; agentId: string; kind: string; payload: Record<string, unknown> }

/** Engines the events do not name: the agent's configured ASR and TTS (the usage event carries only the LLM model). */
export interface UsageDefaults {
  asr: { provider: string; model: string };
  tts: { provider: string; model: string };
  direction?: 'inbound' | 'outbound';
}

/** The LLM vendor a model name belongs to, when the event names only the model. */
export function llmProviderOf(model: string): string {
  if (/^(gpt-|o\d|chatgpt-)/.test(model)) return 'openai';
  if (model === 'scripted') return 'scripted';
  return 'unknown';
}

const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0);
const str = (value: unknown) => (typeof value === 'string' ? value : '');

/**
 * A call's usage from its timeline. Events are de-duplicated by sequence number (a replayed batch is counted
 * once) and order does not matter. Each `usage` event adds to the totals: the edge sends one when the call ends,
 * and a node that reports in parts sends each part once. Telephony seconds come from the usage event, else from
 * `callEnded.durationS`; the carrier is the transport the call arrived on.
 */
export function usageFromTimeline(events: readonly TimelineEventJson[], defaults: UsageDefaults): CallUsage | null {
  const bySeq = new Map<number, TimelineEventJson>();
  for (const event of events) if (!bySeq.has(event.seq)) bySeq.set(event.seq, event);
  const unique = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  const started = unique.find((e) => e.kind === 'callStarted');
  const first = started ?? unique[0];
  if (!first) return null;
  const asr = new Map<string, CallUsage['asr'][number]>();
  const llm = new Map<string, CallUsage['llm'][number]>();
  const tts = new Map<string, CallUsage['tts'][number]>();
  const tools = new Map<string, number>();
  let telephonyS = 0;
  let endedS = 0;
  for (const { kind, payload } of unique) {
    if (kind === 'usage') {
      telephonyS += num(payload.telephonyS);
      const asrModel = str(payload.asrModel) || defaults.asr.model;
      const a = asr.get(asrModel) ?? { provider: defaults.asr.provider, model: asrModel, seconds: 0 };
      a.seconds += num(payload.asrAudioS);
      asr.set(asrModel, a);
      const llmModel = str(payload.llmModel);
      if (llmModel || num(payload.llmInputTokens) || num(payload.llmOutputTokens)) {
        const name = llmModel || 'unknown';
        const l = llm.get(name) ?? { provider: llmProviderOf(name), model: name, inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 };
        const cached = num(payload.llmCachedInputTokens);
        l.inputTokens += Math.max(0, num(payload.llmInputTokens) - cached);
        l.cachedInputTokens += cached;
        l.outputTokens += num(payload.llmOutputTokens);
        llm.set(name, l);
      }
      const ttsModel = str(payload.ttsModel) || defaults.tts.model;
      const t = tts.get(ttsModel) ?? { provider: defaults.tts.provider, model: ttsModel, characters: 0 };
      t.characters += num(payload.ttsCharacters);
      tts.set(ttsModel, t);
    } else if (kind === 'callEnded') {
      endedS = num(payload.durationS);
    } else if (kind === 'toolCall') {
      const name = str(payload.name) || 'tool';
      tools.set(name, (tools.get(name) ?? 0) + 1);
    }
  }
  const carrier = str(started?.payload.transport) || 'native';
  return {
    callId: first.callId, tenantId: first.tenantId, agentId: first.agentId, startedAtMs: first.tsMs,
    telephony: { carrier, direction: defaults.direction ?? 'inbound', seconds: telephonyS || endedS },
    asr: [...asr.values()].filter((a) => a.seconds > 0),
    llm: [...llm.values()],
    tts: [...tts.values()].filter((t) => t.characters > 0),
    tools: [...tools.entries()].map(([name, calls]) => ({ name, calls })),
  };
}
