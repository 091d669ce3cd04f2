// `invorto bench turns`: scripted conversations through a real edge with emulated providers, per agent turn setting:
// end-of-turn latency (caller speech end -> agent's first audio, minus the emulated provider latency), premature
// cut-offs, barge-in latency (caller onset -> carrier told to clear), false interruptions on backchannels, coughs and
// echo, and the silence a resumed pause costs. "silence:800" is the classic fixed-timeout baseline.
import { parseArgs } from 'node:util';
import { quantile } from '@invorto/dsp/corpus.ts';
import { progress, writeReport, type Row } from '../report.ts';
import { PROVIDER_LATENCY, runScenario, type ScenarioResult, type TurnSetting } from '../turns/run-scenario.ts';
import { SCENARIOS } from '../turns/scenarios.ts';

const USAGE = `usage: invorto bench turns [--settings silence:800,smart:0.2,smart:0.5,smart:0.8] [--scenarios a,b] [--runs N] [--concurrency N] [--json]`;

export function parseSetting(name: string): TurnSetting {
  const [mode, value] = name.split(':');
  const number = Number(value);
  if (mode === 'silence' && number >= 100 && number <= 5000) return { name, turn: { mode: 'silence', silenceMs: number, eagerness: 0.5 } };
  if (mode === 'smart' && number >= 0 && number <= 1) return { name, turn: { mode: 'smart', silenceMs: 600, eagerness: number } };
  throw new Error(`bad setting "${name}": use silence:<ms 100-5000> or smart:<eagerness 0-1>`);
}

export interface SettingSummary {
  end_of_turn_latency_ms: { p50: number; p95: number };
  premature_cutoffs: number;
  cutoff_probes: number;
  barge_in_latency_ms: { p50: number; p95: number; max: number };
  barge_ins_missed: number;
  false_interruptions: number;
  interruption_probes: number;
  pauses_resumed: number;
  silence_gap_ms: { p50: number; p95: number; max: number };
  turns_answered: number;
  turns_expected: number;
}

export function summarize(results: ScenarioResult[]): SettingSummary {
  const all = <K extends keyof ScenarioResult>(key: K) => results.flatMap((r) => r[key] as number[]);
  const sum = (key: keyof ScenarioResult) => results.reduce((total, r) => total + (r[key] as number), 0);
  const round = (value: number) => (Number.isFinite(value) ? Math.round(value) : null) as number;
  const eot = all('endOfTurnLatenciesMs');
  const bargeIn = all('bargeInLatenciesMs');
  const gaps = all('pauseGapsMs');
  return {
    end_of_turn_latency_ms: { p50: round(quantile(eot, 0.5)), p95: round(quantile(eot, 0.95)) },
    premature_cutoffs: sum('prematureCutoffs'), cutoff_probes: sum('cutoffProbes'),
    barge_in_latency_ms: { p50: round(quantile(bargeIn, 0.5)), p95: round(quantile(bargeIn, 0.95)), max: round(Math.max(...bargeIn)) },
    barge_ins_missed: sum('bargeInsMissed'),
    false_interruptions: sum('falseInterruptions'), interruption_probes: sum('interruptionProbes'),
    pauses_resumed: gaps.length, silence_gap_ms: { p50: round(quantile(gaps, 0.5)), p95: round(quantile(gaps, 0.95)), max: round(gaps.length ? Math.max(...gaps) : NaN) },
    turns_answered: sum('turnsAnswered'), turns_expected: sum('turnsExpected'),
  };
}

/** Runs every scenario `runs` times for each setting, `concurrency` calls at a time. */
export async function benchTurns(options: { settings: string[]; scenarios?: string[]; runs: number; concurrency: number; onProgress?: (done: number, total: number) => void }) {
  const settings = options.settings.map(parseSetting);
  const scenarios = options.scenarios?.length ? SCENARIOS.filter((s) => options.scenarios!.includes(s.name)) : SCENARIOS;
  if (options.scenarios?.length && scenarios.length !== options.scenarios.length) {
    throw new Error(`unknown scenario in "${options.scenarios.join(',')}" (have: ${SCENARIOS.map((s) => s.name).join(', ')})`);
  }
  const jobs = settings.flatMap((setting) => Array.from({ length: options.runs }, () => scenarios.map((scenario) => ({ setting, scenario }))).flat());
  const results = new Map<string, ScenarioResult[]>(settings.map((s) => [s.name, []]));
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      results.get(job.setting.name)!.push(await runScenario(job.scenario, job.setting));
      options.onProgress?.(++done, jobs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  return Object.fromEntries(settings.map((s) => [s.name, { summary: summarize(results.get(s.name)!), scenarios: results.get(s.name)! }]));
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv, allowPositionals: true,
    options: { settings: { type: 'string', default: 'silence:800,smart:0.2,smart:0.5,smart:0.8' }, scenarios: { type: 'string' }, runs: { type: 'string', default: '1' }, concurrency: { type: 'string', default: '4' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
  });
  if (values.help) {
    console.error(USAGE);
    return;
  }
  const settings = values.settings.split(',').filter(Boolean);
  const bySetting = await benchTurns({
    settings, scenarios: values.scenarios?.split(',').filter(Boolean), runs: Math.max(1, Number(values.runs) || 1), concurrency: Number(values.concurrency) || 4,
    onProgress: (done, total) => progress('bench turns', done, total),
  });
  const summaries = Object.fromEntries(Object.entries(bySetting).map(([name, r]) => [name, r.summary]));
  const headline = summaries['smart:0.5'] ?? Object.values(summaries)[0];
  const data = { ...headline, default_setting: summaries['smart:0.5'] ? 'smart:0.5' : settings[0], provider_latency_ms: PROVIDER_LATENCY, settings: summaries, scenarios: Object.fromEntries(Object.entries(bySetting).map(([n, r]) => [n, r.scenarios])) };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(data)}\n`);
    return;
  }
  const rows: Row[] = Object.entries(summaries).map(([name, s]) => ({
    setting: name,
    'EoT p50 ms': s.end_of_turn_latency_ms.p50, 'EoT p95 ms': s.end_of_turn_latency_ms.p95,
    'cut-offs': `${s.premature_cutoffs}/${s.cutoff_probes}`,
    'barge-in p50 ms': s.barge_in_latency_ms.p50, 'barge-in p95 ms': s.barge_in_latency_ms.p95, 'barge-in max ms': s.barge_in_latency_ms.max,
    'false interruptions': `${s.false_interruptions}/${s.interruption_probes}`,
    'pauses resumed': s.pauses_resumed, 'pause gap p95 ms': s.silence_gap_ms.p95, 'pause gap max ms': s.silence_gap_ms.max,
    'turns answered': `${s.turns_answered}/${s.turns_expected}`,
  }));
  writeReport('turns', 'Turn-taking: scripted calls through a real edge, emulated providers', data, { [`per setting (provider latency ${PROVIDER_LATENCY.asrFinalMs}+${PROVIDER_LATENCY.llmFirstTokenMs}+${PROVIDER_LATENCY.ttsFirstByteMs} ms subtracted)`]: rows });
}
