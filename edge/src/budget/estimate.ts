// A running call's cost, estimated from its live usage with the all-in rates control serves (cost, markup and GST
// per ms, character or token, in micro-paise). Usage is priced per engine as the call reports it (the ASR it failed
// over to, the fallback model, cached input tokens at their own rate), and named the way control's billing names it;
// usage without engines is priced on the agent's configured ones ("auto" is the vendor: never under-counted).
import type { AgentConfig } from '@invorto/proto/agent-config.ts';
import type { AsrUsage, LlmUsage, TtsUsage, UsageReport } from '../runtime/usage-meter.ts';

export interface EstimateRate { component: string; provider: string; model: string; microPaisePerUnit: number }

const ANY = '*';
const VENDOR_DEFAULT_MODEL: Record<string, Record<string, string>> = { asr: { deepgram: 'nova-3' }, tts: { deepgram: 'aura-2' } };

/** The rate for one line: the exact engine and model, then the engine's "any model", then the default for unknown ones. */
export function rateOf(rates: readonly EstimateRate[], component: string, provider: string, model: string): number {
  for (const [p, m] of [[provider, model], [provider, ANY], [ANY, ANY]]) {
    const found = rates.find((r) => r.component === component && r.provider === p && r.model === m);
    if (found) return found.microPaisePerUnit;
  }
  return 0;
}

export interface CallEngines { carrier: string; asr: [string, string]; llm: [string, string]; tts: [string, string] }

const vendorOf = (provider: string | undefined) => (!provider || provider === 'auto' ? 'deepgram' : provider);

export function llmProviderOf(model: string): string {
  if (/^(gpt-|o\d|chatgpt-)/.test(model)) return 'openai';
  return model === 'scripted' ? 'scripted' : 'unknown';
}

/** The engines a call is billed for, as control's billing reads them from the agent's config and the transport. */
export function enginesOf(agent: AgentConfig, transport: string): CallEngines {
  const asr = vendorOf(agent.asr.provider);
  const tts = vendorOf(agent.tts.provider);
  const llmModel = agent.llm.model ?? '';
  return {
    carrier: transport,
    asr: [asr, agent.asr.model || VENDOR_DEFAULT_MODEL.asr[asr] || ANY],
    llm: [llmProviderOf(llmModel), llmModel || ANY],
    tts: [tts, VENDOR_DEFAULT_MODEL.tts[tts] || ANY],
  };
}

/** The model billing names for an engine's usage: its own, else the agent's for the configured engine, else the default. */
function modelOf(stage: 'asr' | 'tts', provider: string, model: string, engines: CallEngines): string {
  if (model) return model;
  return provider === engines[stage][0] ? engines[stage][1] : VENDOR_DEFAULT_MODEL[stage][provider] || ANY;
}

/** Paise (fractional: the estimate rounds nothing until it is compared) for what a call has used so far. */
export function estimatePaise(usage: UsageReport, engines: CallEngines, rates: readonly EstimateRate[]): number {
  const asr: AsrUsage[] = usage.asr?.length ? usage.asr : [{ provider: engines.asr[0], model: engines.asr[1], audioS: usage.asrAudioS }];
  const tts: TtsUsage[] = usage.tts?.length ? usage.tts : [{ provider: engines.tts[0], voice: '', characters: usage.ttsCharacters }];
  const llm: LlmUsage[] = usage.llm?.length ? usage.llm : [{
    provider: usage.llmModel ? llmProviderOf(usage.llmModel) : engines.llm[0], model: usage.llmModel || engines.llm[1],
    inputTokens: usage.llmInputTokens, cachedInputTokens: usage.llmCachedInputTokens ?? 0, outputTokens: usage.llmOutputTokens,
  }];
  // A control that serves no cached-input rates is older than them: its cached tokens are priced as input.
  const cachedRates = rates.some((r) => r.component === 'llm_cached_input');
  let micro = usage.telephonyS * 1000 * rateOf(rates, 'telephony', engines.carrier, 'inbound');
  for (const a of asr) micro += a.audioS * 1000 * rateOf(rates, 'asr', a.provider, modelOf('asr', a.provider, a.model, engines));
  for (const l of llm) {
    const inputRate = rateOf(rates, 'llm_input', l.provider, l.model);
    const cached = Math.min(l.cachedInputTokens, l.inputTokens);
    micro += (l.inputTokens - cached) * inputRate + l.outputTokens * rateOf(rates, 'llm_output', l.provider, l.model)
      + cached * (cachedRates ? rateOf(rates, 'llm_cached_input', l.provider, l.model) : inputRate);
  }
  for (const t of tts) micro += t.characters * rateOf(rates, 'tts', t.provider, modelOf('tts', t.provider, '', engines));
  return micro / 1_000_000;
}
