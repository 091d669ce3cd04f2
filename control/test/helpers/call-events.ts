// Timeline events for control's tests, encoded as the edge encodes them (protobuf CallEvents), and a way to put them
// on the timeline a test control reads (the embedded log in its data dir).
import { v1 } from '@invorto/proto';
import { openTimelineSink } from '@invorto/timeline/open-timeline.ts';

type Kind = Omit<ConstructorParameters<typeof v1.CallEvent>[0] & object, 'callId' | 'seq' | 'tsMs' | 'tenantId' | 'agentId'>;

export interface CallScript {
  callId: string;
  tenantId?: string;
  agentId?: string;
  edgeId?: string;
  agentVersion?: number;
  startMs?: number;
  /** Leave out the call-ended event (the call is still in progress). */
  open?: boolean;
  callerSays?: string;
  agentSays?: string;
}

export function encode(callId: string, seq: number, tsMs: number, kind: Kind, ids: { tenantId?: string; agentId?: string } = {}): Uint8Array {
  return v1.CallEvent.encode(v1.CallEvent.create({ callId, seq, tsMs, tenantId: ids.tenantId ?? 'default', agentId: ids.agentId ?? 'demo', ...kind })).finish();
}

/** A whole call: started, greeting turn, one caller turn with ttfbs, a barge-in, a tool call, usage, ended. */
export function scriptedCall(s: CallScript): Uint8Array[] {
  const t0 = s.startMs ?? Date.UTC(2026, 11, 1, 10, 0, 0);
  const ids = { tenantId: s.tenantId ?? 'default', agentId: s.agentId ?? 'demo' };
  const kinds: Kind[] = [
    { callStarted: { transport: 'twilio', carrierCallId: `CA-${s.callId}`, from: '+919800000001', to: '+918000000000', codec: 'pcmu', sampleRateHz: 8000, edgeId: s.edgeId ?? 'edge-a', agentVersion: s.agentVersion ?? 3 } },
    { agentSpeech: { text: 'Hello, how can I help?', interrupted: false } },
    { turn: { index: 0, callerText: '', agentText: 'Hello, how can I help?', callerSpeechEndMs: 0, agentFirstAudioMs: 1000, agentDoneMs: 2500, endOfTurnLatencyMs: 0 } },
    { transcript: { text: 'uh', isFinal: false, speaker: 'caller' } },
    { transcript: { text: s.callerSays ?? 'I would like to book an appointment', isFinal: true, speaker: 'caller', confidence: 0.9 } },
    { ttfb: { stage: 'llm', provider: 'openai', seconds: 0.21 } },
    { toolCall: { callRef: 't1', name: 'book', argumentsJson: '{"day":"monday"}' } },
    { toolResult: { callRef: 't1', ok: true, resultJson: '{"booked":true}', durationMs: 42 } },
    { ttfb: { stage: 'tts', provider: 'deepgram', seconds: 0.12 } },
    { agentSpeech: { text: s.agentSays ?? 'Booked for Monday at nine.', interrupted: true } },
    { bargeIn: { onsetMs: 9000, audioStoppedMs: 9040, playedText: 'Booked for', committedMs: 9300, cause: 'words' } },
    { turn: { index: 1, callerText: 'I would like to book an appointment', agentText: 'Booked for', callerSpeechEndMs: 5000, agentFirstAudioMs: 5650, agentDoneMs: 9040, endOfTurnLatencyMs: 650 } },
    { usage: { asrAudioS: 6.5, llmInputTokens: 420, llmOutputTokens: 31, ttsCharacters: 48, telephonyS: 12, llmModel: 'gpt-4o-mini' } },
  ];
  if (!s.open) kinds.push({ callEnded: { reason: 'caller_hangup', detail: '', durationS: 12.5 } });
  return kinds.map((kind, i) => encode(s.callId, i + 1, t0 + i * 1000, kind, ids));
}

/** Appends events to the embedded timeline log in `dataDir` (where a test control's consumer reads), or to Redis. */
export async function appendToTimeline(dataDir: string, events: Uint8Array[], redisUrl?: string): Promise<void> {
  const sink = await openTimelineSink({ dataDir, redisUrl });
  for (const event of events) {
    const decoded = v1.CallEvent.decode(event);
    sink.append(decoded.callId, decoded.seq, event);
  }
  await sink.flush();
  await sink.close();
}

export async function until<T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
