// The contract between CallerTurns and the call around it: what the caller side needs to know of the rest of the
// call, and what it is built from.
import type { AgentConfig } from '../agents/types.ts';
import type { EngineChange } from '../providers/types.ts';
import type { CallEvents, CallState } from './call-events.ts';
import type { CallLanguage, LanguageSwitch } from './call-language.ts';
import type { InterruptionArbiter } from './interruption.ts';

/** What the caller side needs to know of the rest of the call. */
export interface CallerTurnsHooks {
  state(): CallState;
  ended(): boolean;
  /** The agent has a reply in flight (generating, queued or playing). */
  replying(): boolean;
  /** The reply in flight answers a caller turn (not the greeting) and is not audible yet. */
  answerPending(): boolean;
  /** What the agent is saying (to tell its echo from the caller). */
  agentText(): string;
  /** The ASR engine serving now (metrics name it). */
  asrName(): string;
  emit<K extends keyof CallEvents>(event: K, payload: CallEvents[K]): void;
  languageChanged(change: LanguageSwitch): void;
  asrError(error: Error): void;
  /** The ASR session moved to another engine, or (`to` empty) lost its last. */
  asrFailover(change: EngineChange): void;
  /** The ASR session closed on its own: every engine of the chain is gone. */
  asrLost(reason: string): void;
  /** The caller's turn is over: the agent answers `text`. */
  turnEnded(text: string, speechEndMs: number): void;
  /** Speculative agents: the turn may be over on `text` (complete words, the caller silent); not confirmed yet. */
  turnMayEnd(text: string): void;
  /** After turnMayEnd, the turn was not over after all (the caller went on). */
  turnGoesOn(reason: string): void;
}

export interface CallerTurnsOptions {
  agent: AgentConfig;
  format: { encoding: 'mulaw' | 'alaw' | 'l16'; sampleRateHz: number };
  language: CallLanguage;
  interruptions: InterruptionArbiter;
  hooks: CallerTurnsHooks;
  /** How long to wait for the ASR's final transcript after the local endpoint fired. */
  finalTranscriptTimeoutMs?: number;
}
