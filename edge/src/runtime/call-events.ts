// Everything a call reports about itself. Metrics and the timeline subscribe to these; nothing calls into them.

export type CallState = 'IDLE' | 'LISTENING' | 'PROCESSING' | 'SPEAKING' | 'ENDED';

export type EndReason = 'caller_hangup' | 'agent_hangup' | 'protocol_error' | 'error' | 'drain' | 'timeout';

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
  frame: { processingNs: number; speech: boolean };
  transcript: { text: string; isFinal: boolean; confidence: number };
  /** A caller turn ended and the agent will answer it. */
  endOfTurn: { text: string; speechEndMs: number; decidedMs: number; cause: string };
  agentSpeech: { text: string; interrupted: boolean };
  turn: TurnTiming;
  bargeIn: { onsetMs: number; stoppedMs: number; playedText: string };
  providerError: { stage: 'asr' | 'llm' | 'tts'; provider: string; message: string; recovered: boolean };
  ttfb: { stage: 'asr' | 'llm' | 'tts'; provider: string; seconds: number };
  usage: { asrAudioS: number; llmInputTokens: number; llmOutputTokens: number; ttsCharacters: number; telephonyS: number; llmModel: string };
  ended: { reason: EndReason; detail: string; durationS: number };
};
