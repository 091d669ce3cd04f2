// Provider latency profiles for `invorto bench turns`. "current" is the fixed latency the turn-taking numbers have
// always been measured with (so end-of-turn latency stays comparable across rounds); "typical" is what a caller of a
// real vendor stack waits for (ASR final 150 ms after speech end, LLM first token 450 ms, TTS first byte 200 ms),
// each request drawn uniformly within ±25 % of its mean from a seeded generator, so runs repeat.
import type { Latency } from '@invorto/edge/testing/emulators/index.ts';
import { mulberry32 } from '@invorto/dsp/seeded-random.ts';
import { OptionError } from '../../../bin/options.ts';

export interface LatencyProfile {
  name: string;
  asrFinalMs: number;
  llmFirstTokenMs: number;
  ttsFirstByteMs: number;
  /** Each request's latency is drawn within mean × (1 ± jitter). */
  jitter: number;
}

export const PROFILES: Record<string, LatencyProfile> = {
  current: { name: 'current', asrFinalMs: 50, llmFirstTokenMs: 150, ttsFirstByteMs: 80, jitter: 0 },
  typical: { name: 'typical', asrFinalMs: 150, llmFirstTokenMs: 450, ttsFirstByteMs: 200, jitter: 0.25 },
};

export function parseProfiles(list: string): LatencyProfile[] {
  const names = list.split(',').filter(Boolean);
  const unknown = names.filter((name) => !PROFILES[name]);
  if (unknown.length || names.length === 0) throw new OptionError(`bad --profiles "${list}": use a comma-separated list of ${Object.keys(PROFILES).join(', ')}`);
  return names.map((name) => PROFILES[name]);
}

/** The sum of the mean latencies: what end-of-turn latency subtracts to leave the edge's own share. */
export const providerMs = (p: LatencyProfile) => p.asrFinalMs + p.llmFirstTokenMs + p.ttsFirstByteMs;

/** The emulators' latencies for one call: fixed numbers without jitter, fresh draws per request with it. */
export function emulatorLatencies(p: LatencyProfile, seed: number): { asrFinalMs: Latency; llmFirstTokenMs: Latency; ttsFirstByteMs: Latency } {
  if (p.jitter === 0) return { asrFinalMs: p.asrFinalMs, llmFirstTokenMs: p.llmFirstTokenMs, ttsFirstByteMs: p.ttsFirstByteMs };
  const random = mulberry32(seed);
  const draw = (mean: number) => () => Math.round(mean * (1 + p.jitter * (2 * random() - 1)));
  return { asrFinalMs: draw(p.asrFinalMs), llmFirstTokenMs: draw(p.llmFirstTokenMs), ttsFirstByteMs: draw(p.ttsFirstByteMs) };
}
