// Opening a call's provider sessions: ASR and TTS in parallel, before the caller speaks. Each result names the
// engine that really serves (an offline fallback when the vendor could not open), and a multilingual agent's TTS
// is a voice-switching session so its voice can follow the caller's language.
import type { AgentConfig } from '../agents/types.ts';
import { servingProvider } from '../providers/resilience/engine-chain.ts';
import type { AsrSession, AudioFormat, TtsSession } from '../providers/types.ts';
import { VoiceSwitchingTts } from '../providers/voice-switching-tts.ts';
import type { CallProviders } from './call.ts';
import { voiceFor, type CallLanguage } from './call-language.ts';

export type Opened<S> = { session: S; provider: string } | { error: Error; provider: string };

export interface CallSessionsRequest {
  callId: string;
  agent: AgentConfig;
  providers: CallProviders;
  format: AudioFormat;
  language: CallLanguage;
  signal: AbortSignal;
  /** A voice for another language could not be opened (the call goes on in its current voice). */
  onVoiceError(voice: string, error: Error): void;
}

export async function openCallSessions(request: CallSessionsRequest): Promise<{ asr: Opened<AsrSession>; tts: Opened<TtsSession> }> {
  const { agent, providers, format, language } = request;
  const context = { callId: request.callId, language: agent.language, languages: language.multilingual ? language.allowed : undefined, signal: request.signal };
  const voice = voiceFor(agent, agent.language);
  const [asr, tts] = await Promise.allSettled([
    providers.asr.open(context, { format, model: agent.asr.model }),
    providers.tts.open(context, { format, voice }),
  ]);
  const opened = <S extends object>(result: PromiseSettledResult<S>, configured: string): Opened<S> => (result.status === 'fulfilled'
    ? { session: result.value, provider: servingProvider(result.value, configured) }
    : { error: result.reason as Error, provider: configured });
  const speech = opened(tts, providers.tts.name);
  if ('session' in speech && language.multilingual) {
    speech.session = new VoiceSwitchingTts(providers.tts, context, speech.session, voice ?? '', request.onVoiceError);
  }
  return { asr: opened(asr, providers.asr.name), tts: speech };
}
