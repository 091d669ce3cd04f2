// The narrow streaming interfaces every provider adapter implements. The runtime knows providers only through these.
import type { TypedEmitter } from '../util/typed-emitter.ts';

export type AudioEncoding = 'mulaw' | 'alaw' | 'linear16';

export interface AudioFormat {
  encoding: AudioEncoding;
  sampleRateHz: number;
}

/** 8 kHz mu-law: what telephone carriers deliver and accept. */
export const TELEPHONY_FORMAT: AudioFormat = Object.freeze({ encoding: 'mulaw', sampleRateHz: 8000 });

export interface SessionContext {
  callId: string;
  /** BCP-47, e.g. "en-US". */
  language: string;
  /** All the languages the caller may speak (the agent's), when more than one: the ASR listens for each. */
  languages?: string[];
  /** Aborted when the call ends; adapters close their sockets on it. */
  signal: AbortSignal;
}

/**
 * A session moved to another engine mid-call: the one it had was lost, and `to` (the same vendor reconnected, or the
 * next engine of the agent's chain) serves from now on; `to` empty: none was left, and the session closes.
 */
export interface EngineChange {
  from: string;
  to: string;
  reason: string;
  /** From the loss to the new engine serving (ms). */
  recoveredMs: number;
}

// ---- ASR ----------------------------------------------------------------------------------------------------

export interface TranscriptEvent {
  text: string;
  isFinal: boolean;
  /** The provider believes the caller finished speaking (Deepgram `speech_final`). */
  speechFinal: boolean;
  confidence: number;
  /** BCP-47 (often just the primary subtag) of what was heard, when the provider tags it (multilingual mode). */
  language?: string;
  /** Seconds from the start of the session's audio, when the provider gives them. */
  startS?: number;
  endS?: number;
}

/**
 * Where the caller's turn stands, as a turn-taking engine (Deepgram Flux) models it. `EagerEndOfTurn` is a likely
 * end worth starting a reply on; `TurnResumed` takes it back; `EndOfTurn` is the engine's decision.
 */
export interface AsrTurnInfo {
  event: 'StartOfTurn' | 'Update' | 'EagerEndOfTurn' | 'TurnResumed' | 'EndOfTurn';
  /** What the caller said in this turn so far (the whole turn, not the words since the last event). */
  transcript: string;
  turnIndex: number;
  /** The engine's confidence (0-1) that the caller has finished the turn. */
  endOfTurnConfidence: number;
  /** Seconds from the start of the session's audio to the end of the audio this event covers. */
  audioWindowEndS: number;
}

export type AsrEvents = {
  transcript: TranscriptEvent;
  speechStarted: { atS: number };
  utteranceEnd: { lastWordEndS: number };
  error: Error;
  closed: { reason: string };
  failover: EngineChange;
  /** Only engines that model turns emit it; the others' sessions never do, and listening for it costs nothing. */
  turn: AsrTurnInfo;
};

export interface AsrSession extends TypedEmitter<AsrEvents> {
  readonly format: AudioFormat;
  /**
   * True for batch engines that produce a final transcript only when finalize() is called: the runtime then
   * finalizes at every pause in the caller's speech, so the text is ready when the turn ends.
   */
  readonly finalizesOnRequestOnly: boolean;
  /** Audio dropped because the provider fell far behind (its bounded replay buffer was full), when it keeps one. */
  readonly droppedBytes?: number;
  /** Audio in `format`, any length (normally one 20 ms frame). Never throws; failures surface as `error`. */
  push(audio: Uint8Array): void;
  /** The local endpoint fired: emit a final transcript for what was heard so far. */
  finalize(): void;
  /** The line has been silent a while: keep the engine's connection open (engines that time out idle sockets). */
  keepAlive?(): void;
  /**
   * Ends the session. An engine lost on its own emits `closed` (with the reason) without this; the failover wrapper
   * (resilience/failover-asr.ts) then reconnects it or moves to the next engine.
   */
  close(): Promise<void>;
}

export interface AsrProvider {
  readonly name: string;
  /** Loads what its sessions need (a model), so that the first open, perhaps a failover mid-call, is quick. */
  prepare?(): Promise<void>;
  open(context: SessionContext, options: { format: AudioFormat; model?: string }): Promise<AsrSession>;
}

// ---- LLM ----------------------------------------------------------------------------------------------------

export interface ToolCallRequest {
  id: string;
  name: string;
  argumentsJson: string;
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCallRequest[] }
  | { role: 'tool'; toolCallId: string; content: string };

export interface ToolDefinition {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

export type LlmChunk =
  /** `provider`: set when an engine other than the client's own produced it (a fallback served the request). */
  | { type: 'text'; text: string; provider?: string }
  | { type: 'tool_call'; call: ToolCallRequest }
  /**
   * What the request used: `inputTokens` counts the prompt, of which `cachedInputTokens` came from the provider's
   * prompt cache (billed at its own rate); `provider` is set when a fallback engine served, as on text.
   */
  | { type: 'usage'; inputTokens: number; outputTokens: number; model: string; cachedInputTokens?: number; provider?: string }
  /** The stream was cut mid-answer and another attempt (or engine) goes on from the last complete sentence. */
  | ({ type: 'failover' } & EngineChange);

export interface LlmRequest {
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  model?: string;
  temperature?: number;
  signal: AbortSignal;
}

export interface LlmClient {
  readonly name: string;
  /** Streams text and complete tool calls; ends with one `usage` chunk. Aborting the signal ends it early. */
  stream(request: LlmRequest): AsyncIterable<LlmChunk>;
}

// ---- TTS ----------------------------------------------------------------------------------------------------

export type TtsEvents = {
  /** Audio in the session's format. */
  audio: Uint8Array;
  /** Everything spoken before the matching flush() has been delivered. */
  flushed: { sequence: number };
  error: Error;
  closed: { reason: string };
  failover: EngineChange;
};

export interface TtsSession extends TypedEmitter<TtsEvents> {
  readonly format: AudioFormat;
  speak(text: string): void;
  /** Synthesize what was queued; returns the sequence number `flushed` will carry. */
  flush(): number;
  /** Drop queued and in-flight audio (barge-in). */
  clear(): void;
  close(): Promise<void>;
}

export interface TtsProvider {
  readonly name: string;
  open(context: SessionContext, options: { format: AudioFormat; voice?: string }): Promise<TtsSession>;
}
