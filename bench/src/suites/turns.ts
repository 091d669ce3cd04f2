// `invorto bench turns`: scripted conversations through a real edge with emulated providers, per provider latency
// profile and agent turn setting: voice-to-voice (caller speech end -> agent's first audio at the caller, nothing
// subtracted), end-of-turn latency (the same minus the profile's mean provider latency: the edge's own share),
// premature cut-offs, barge-in latency (caller onset -> carrier told to clear), false interruptions on backchannels,
// coughs and echo, and the silence a resumed pause costs. "silence:800" is the classic fixed-timeout baseline.
import { parseArgs } from 'node:util';
import { quantile } from '@invorto/dsp/corpus.ts';
import { OptionError } from '../../../bin/options.ts';
import { progress, writeReport, type Row } from '../report.ts';
import { parseProfiles, type LatencyProfile } from '../turns/profiles.ts';
import { runScenario, type ScenarioResult, type TurnSetting } from '../turns/run-scenario.ts';
import { SCENARIOS } from '../turns/scenarios.ts';

const USAGE = `usage: invorto bench turns [--profiles current,typical] [--settings silence:800,smart:0.2,smart:0.5,smart:0.8,smart:0.5:speculative,smart:0.5:duck] [--scenarios a,b] [--runs N] [--concurrency N] [--json]`;

const FLAGS = ['speculative', 'duck'];

/** `silence:<ms>` or `smart:<eagerness>`, then `:speculative` (speculative replies on) and/or `:duck` (overlap duck). */
export function parseSetting(name: string): TurnSetting {
  const [mode, value, ...flags] = name.split(':');
  const number = Number(value);
  const valid = value !== '' && flags.every((flag) => FLAGS.includes(flag)) && new Set(flags).size === flags.length;
  const options = { speculative: flags.includes('speculative') ? 'on' as const : 'off' as const, overlap: flags.includes('duck') ? 'duck' as const : 'pause' as const };
  if (valid && mode === 'silence' && number >= 100 && number <= 5000) return { name, turn: { mode: 'silence', silenceMs: number, eagerness: 0.5, ...options } };
  if (valid && mode === 'smart' && number >= 0 && number <= 1) return { name, turn: { mode: 'smart', silenceMs: 600, eagerness: number, ...options } };
  throw new OptionError(`bad setting "${name}": use silence:<ms 100-5000> or smart:<eagerness 0-1>, optionally followed by :speculative and/or :duck`);
}

export interface SettingSummary {
  voice_to_voice_ms: { p50: number; p95: number };
  end_of_turn_latency_ms: { p50: number; p95: number };
  premature_cutoffs: number;
  cutoff_probes: number;
  barge_in_latency_ms: { p50: number; p95: number; max: number };
  barge_ins_missed: number;
  false_interruptions: number;
  interruption_probes: number;
  pauses_resumed: number;
  /** Agent silence a resumed pause cost (0 for a ducked one: its audio never stopped), and how long ducked ones lasted. */
  silence_gap_ms: { p50: number; p95: number; max: number };
  ducked_ms: { p50: number; p95: number; count: number };
  turns_answered: number;
  turns_expected: number;
  /** Speculative replies prepared, and of them cancelled unheard (their LLM request was wasted). */
  speculative_replies: number;
  speculative_wasted: number;
}

export function summarize(results: ScenarioResult[]): SettingSummary {
  const all = <K extends keyof ScenarioResult>(key: K) => results.flatMap((r) => r[key] as number[]);
  const sum = (key: keyof ScenarioResult) => results.reduce((total, r) => total + (r[key] as number), 0);
  const round = (value: number) => (Number.isFinite(value) ? Math.round(value) : null) as number;
  const eot = all('endOfTurnLatenciesMs');
  const voiceToVoice = all('voiceToVoiceMs');
  const bargeIn = all('bargeInLatenciesMs');
  const gaps = all('pauseGapsMs');
  const ducked = all('duckedMs');
  return {
    voice_to_voice_ms: { p50: round(quantile(voiceToVoice, 0.5)), p95: round(quantile(voiceToVoice, 0.95)) },
    end_of_turn_latency_ms: { p50: round(quantile(eot, 0.5)), p95: round(quantile(eot, 0.95)) },
    premature_cutoffs: sum('prematureCutoffs'), cutoff_probes: sum('cutoffProbes'),
    barge_in_latency_ms: { p50: round(quantile(bargeIn, 0.5)), p95: round(quantile(bargeIn, 0.95)), max: round(Math.max(...bargeIn)) },
    barge_ins_missed: sum('bargeInsMissed'),
    false_interruptions: sum('falseInterruptions'), interruption_probes: sum('interruptionProbes'),
    pauses_resumed: gaps.length, silence_gap_ms: { p50: round(quantile(gaps, 0.5)), p95: round(quantile(gaps, 0.95)), max: round(gaps.length ? Math.max(...gaps) : NaN) },
    ducked_ms: { p50: round(quantile(ducked, 0.5)), p95: round(quantile(ducked, 0.95)), count: ducked.length },
    turns_answered: sum('turnsAnswered'), turns_expected: sum('turnsExpected'),
    speculative_replies: sum('speculativeReplies'), speculative_wasted: sum('speculativeWasted'),
  };
}

type SettingResults = Record<string, { summary: SettingSummary; scenarios: ScenarioResult[] }>;

/**
 * Runs every scenario `runs` times for each profile and setting, `concurrency` calls at a time. A run's scenario draws
 * the same jittered latencies under every setting (the seed is the run and scenario), so settings compare fairly.
 */
export async function benchTurns(options: { settings: string[]; profiles?: LatencyProfile[]; scenarios?: string[]; runs: number; concurrency: number; onProgress?: (done: number, total: number) => void }): Promise<Record<string, SettingResults>> {
  const settings = options.settings.map(parseSetting);
  const profiles = options.profiles ?? parseProfiles('current');
  const scenarios = options.scenarios?.length ? SCENARIOS.filter((s) => options.scenarios!.includes(s.name)) : SCENARIOS;
  if (options.scenarios?.length && scenarios.length !== options.scenarios.length) {
    throw new OptionError(`unknown scenario in "${options.scenarios.join(',')}" (have: ${SCENARIOS.map((s) => s.name).join(', ')})`);
  }
  const jobs = profiles.flatMap((profile) => settings.flatMap((setting) => Array.from({ length: options.runs }, (_, run) => scenarios.map((scenario, index) => ({ profile, setting, scenario, seed: run * 1000 + index + 1 }))).flat()));
  const results = new Map<string, ScenarioResult[]>();
  const key = (profile: LatencyProfile, setting: TurnSetting) => `${profile.name}\u0000${setting.name}`;
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      const result = await runScenario(job.scenario, job.setting, job.profile, job.seed);
      results.set(key(job.profile, job.setting), [...(results.get(key(job.profile, job.setting)) ?? []), result]);
      options.onProgress?.(++done, jobs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  return Object.fromEntries(profiles.map((profile) => [profile.name, Object.fromEntries(settings.map((setting) => {
    const scenarioResults = results.get(key(profile, setting)) ?? [];
    return [setting.name, { summary: summarize(scenarioResults), scenarios: scenarioResults }];
  }))]));
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv, allowPositionals: true,
    options: { profiles: { type: 'string', default: 'current,typical' }, settings: { type: 'string', default: 'silence:800,smart:0.2,smart:0.5,smart:0.8,smart:0.5:speculative,smart:0.5:duck' }, scenarios: { type: 'string' }, runs: { type: 'string', default: '1' }, concurrency: { type: 'string', default: '4' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
  });
  if (values.help) {
    console.error(USAGE);
    return;
  }
  const settings = values.settings.split(',').filter(Boolean);
  const profiles = parseProfiles(values.profiles);
  const byProfile = await benchTurns({
    settings, profiles, scenarios: values.scenarios?.split(',').filter(Boolean), runs: Math.max(1, Number(values.runs) || 1), concurrency: Number(values.concurrency) || 4,
    onProgress: (done, total) => progress('bench turns', done, total),
  });
  const summariesOf = (name: string) => Object.fromEntries(Object.entries(byProfile[name]).map(([setting, r]) => [setting, r.summary]));
  // The top level keeps its shape for scripts: the first profile's settings, its smart:0.5 (or first) setting spread.
  const first = profiles[0];
  const summaries = summariesOf(first.name);
  const defaultSetting = summaries['smart:0.5'] ? 'smart:0.5' : settings[0];
  const data = {
    ...summaries[defaultSetting], default_setting: defaultSetting, profile: first.name, provider_latency_ms: first, settings: summaries,
    scenarios: Object.fromEntries(Object.entries(byProfile[first.name]).map(([n, r]) => [n, r.scenarios])),
    profiles: Object.fromEntries(profiles.map((p) => [p.name, { provider_latency_ms: p, settings: summariesOf(p.name) }])),
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(data)}\n`);
    return;
  }
  const rows: Row[] = profiles.flatMap((profile) => Object.entries(summariesOf(profile.name)).map(([name, s]) => ({
    profile: profile.name, setting: name,
    'voice-to-voice p50 ms': s.voice_to_voice_ms.p50, 'voice-to-voice p95 ms': s.voice_to_voice_ms.p95,
    'EoT p50 ms': s.end_of_turn_latency_ms.p50, 'EoT p95 ms': s.end_of_turn_latency_ms.p95,
    'cut-offs': `${s.premature_cutoffs}/${s.cutoff_probes}`,
    'barge-in p50 ms': s.barge_in_latency_ms.p50, 'barge-in p95 ms': s.barge_in_latency_ms.p95, 'barge-in max ms': s.barge_in_latency_ms.max,
    'false interruptions': `${s.false_interruptions}/${s.interruption_probes}`,
    'pauses resumed': s.pauses_resumed, 'pause gap p50 ms': s.silence_gap_ms.p50, 'pause gap p95 ms': s.silence_gap_ms.p95,
    'ducked p50 ms': s.ducked_ms.count ? s.ducked_ms.p50 : '-',
    'turns answered': `${s.turns_answered}/${s.turns_expected}`,
    'speculative wasted': s.speculative_replies ? `${s.speculative_wasted}/${s.speculative_replies}` : '-',
  })));
  const profileList = profiles.map((p) => `${p.name}: ASR final ${p.asrFinalMs} + LLM first token ${p.llmFirstTokenMs} + TTS first byte ${p.ttsFirstByteMs} ms${p.jitter ? ` ±${p.jitter * 100} %` : ''}`).join('; ');
  writeReport('turns', 'Turn-taking: scripted calls through a real edge, emulated providers', data, { [`per profile and setting (${profileList}; EoT subtracts the mean provider latency, voice-to-voice nothing)`]: rows });
}
