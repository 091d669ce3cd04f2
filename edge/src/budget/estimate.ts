// A running call's cost, estimated from its live usage with the all-in rates control serves (cost, markup and GST
// per ms, character or token, in micro-paise). The engines are named the way control's billing names them from the
// agent's config ("auto" is the vendor: the estimate never under-counts what billing will charge).
import type { AgentConfig } from '@invorto/proto/agent-config.ts';
import type { CallEvents } from '../runtime/call-events.ts';

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

/** Paise (fractional: the estimate rounds nothing until it is compared) for what a call has used so far. */
export function estimatePaise(usage: CallEvents['usage'], engines: CallEngines, rates: readonly EstimateRate[]): number {
  const llmModel = usage.llmModel || engines.llm[1];
  const llmProvider = usage.llmModel ? llmProviderOf(usage.llmModel) : engines.llm[0];
  const micro = usage.telephonyS * 1000 * rateOf(rates, 'telephony', engines.carrier, 'inbound')
    + usage.asrAudioS * 1000 * rateOf(rates, 'asr', ...engines.asr)
    + usage.llmInputTokens * rateOf(rates, 'llm_input', llmProvider, llmModel)
    + usage.llmOutputTokens * rateOf(rates, 'llm_output', llmProvider, llmModel)
    + usage.ttsCharacters * rateOf(rates, 'tts', ...engines.tts);
  return micro / 1_000_000;
}
