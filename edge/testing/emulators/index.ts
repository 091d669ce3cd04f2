// Loopback emulators of the vendors Invorto talks to, speaking their wire protocols so the real SDKs are exercised.
export { startDeepgramEmulator, type DeepgramEmulator, type DeepgramEmulatorOptions } from './deepgram.ts';
export { startOpenAiEmulator, ruleResponder, type OpenAiEmulator, type OpenAiEmulatorOptions, type OpenAiFault, type Responder, type ScriptedReply } from './openai.ts';
export type { ListenScript } from './deepgram-listen.ts';
export type { Latency } from './http-server.ts';
export { FLUX_DEFAULTS, type FluxScript, type FluxTurnScript, type FluxRequestLog } from './deepgram-flux.ts';
export type { SpeakScript } from './deepgram-speak.ts';
