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

/** Engines the events do not name: the agent's configured ASR and TTS (older edges name only the LLM model). */
export interface UsageDefaults {
  asr: { provider: string; model: string };
  tts: { provider: string; model: string };
  direction?: 'inbound' | 'outbound';
}

/** The model an engine uses when its usage names none (the edge's own defaults); "*": its any-model price. */
export const DEFAULT_MODELS: Record<'asr' | 'tts', Record<string, string>> = { asr: { deepgram: 'nova-3' }, tts: { deepgram: 'aura-2' } };

/** The model a usage part is billed under: its own, else the agent's for its configured engine, else the default. */
function modelOf(stage: 'asr' | 'tts', provider: string, model: string, defaults: UsageDefaults): string {
  if (model) return model;
  return provider === defaults[stage].provider ? defaults[stage].model : DEFAULT_MODELS[stage][provider] || '*';
}

/** The LLM vendor a model name belongs to, when the event names only the model. */
export function llmProviderOf(model: string): string {
  if (/^(gpt-|o\d|chatgpt-)/.test(model)) return 'openai';
  if (model === 'scripted') return 'scripted';
  return 'unknown';
}

/** The line of `lines` for an engine and model, added (with `zero` quantities) when the call has none yet. */
function part<T extends { provider: string; model: string }>(lines: Map<string, T>, provider: string, model: string, zero: Omit<T, 'provider' | 'model'>): T {
  const key = `${provider}\u0000${model}`;
  let line = lines.get(key);
  if (!line) lines.set(key, line = { provider, model, ...zero } as T);
  return line;
}

const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0);
const str = (value: unknown) => (typeof value === 'string' ? value : '');

/**
 * A call's usage from its timeline. Events are de-duplicated by sequence number (a replayed batch is counted
 * once) and order does not matter. Each `usage` event adds to the totals: the edge sends them when the call ends,
 * one per engine a stage used, and each quantity is billed to the engine (provider and model) named beside it; an
 * event that names none (an older edge) is billed to the agent's configured engines. Telephony seconds come from
 * the usage events, else from `callEnded.durationS`; the carrier is the transport the call arrived on.
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
      const asrProvider = str(payload.asrProvider) || defaults.asr.provider;
      const a = part(asr, asrProvider, modelOf('asr', asrProvider, str(payload.asrModel), defaults), { seconds: 0 });
      a.seconds += num(payload.asrAudioS);
      const llmModel = str(payload.llmModel) || 'unknown';
      if (str(payload.llmModel) || num(payload.llmInputTokens) || num(payload.llmOutputTokens)) {
        const l = part(llm, str(payload.llmProvider) || llmProviderOf(llmModel), llmModel, { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 });
        // The event's input tokens include the cached ones; the usage's exclude them (they have their own price).
        const cached = Math.min(num(payload.llmCachedInputTokens), num(payload.llmInputTokens));
        l.inputTokens += num(payload.llmInputTokens) - cached;
        l.cachedInputTokens += cached;
        l.outputTokens += num(payload.llmOutputTokens);
      }
      const ttsProvider = str(payload.ttsProvider) || defaults.tts.provider;
      part(tts, ttsProvider, modelOf('tts', ttsProvider, str(payload.ttsModel), defaults), { characters: 0 }).characters += num(payload.ttsCharacters);
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
