// What a Call is given: its start, agent, providers, carrier output and the optional history, taps and tunings.
import type { AgentConfig } from '../agents/types.ts';
import type { AsrProvider, ChatMessage, LlmClient, TtsProvider } from '../providers/types.ts';
import type { CallStart, CarrierOutput } from '../transports/types.ts';
import type { Logger } from '../util/log.ts';
import type { HistoryStore } from './history-store.ts';
import type { InterruptionOptions } from './interruption.ts';
import type { Pacer } from './pacer.ts';

export interface CallProviders {
  asr: AsrProvider;
  llm: LlmClient;
  tts: TtsProvider;
}

export interface CallOptions {
  callId: string;
  transport: string;
  start: CallStart;
  agent: AgentConfig;
  providers: CallProviders;
  output: CarrierOutput;
  pacer: Pacer;
  log: Logger;
  /** Where the conversation is kept (inspect or resume a call by id); none: memory only. */
  history?: { store: HistoryStore; tenantId: string; resumeFrom?: ChatMessage[] };
  /** How long to wait for the ASR's final transcript after the local endpoint fired. */
  finalTranscriptTimeoutMs?: number;
  interruption?: Partial<InterruptionOptions>;
  /** Tools slower than this get a filler sentence from the agent's config. */
  fillerAfterMs?: number;
  /** Sees every inbound payload as it arrives (the call recorder); must not do I/O. */
  inboundTap?: (payload: Uint8Array) => void;
}
