// `invorto bench turns --json` as an engineer runs it (a child process): the required keys are there, and the
// numbers agree with the scripts played (every scripted turn measured, probes counted) and are plausible.
import { describe, expect, it } from 'vitest';
import { spawnInvorto } from '../helpers/invorto-process.ts';

describe('invorto bench turns', () => {
  it('prints one JSON object with the turn-taking numbers for the setting it ran', async () => {
    const bench = spawnInvorto(['bench', 'turns', '--profiles', 'current', '--settings', 'smart:0.5,smart:0.5:speculative:duck', '--scenarios', 'barge-in,number-with-pause,backchannels,echo', '--concurrency', '4', '--json']);
    try {
      const code = await new Promise<number | null>((resolve) => bench.child.once('exit', resolve));
      const output = bench.output();
      expect(code, output.slice(-2000)).toBe(0);
      const line = output.split('\n').find((l) => l.startsWith('{'));
      const report = JSON.parse(line!);
      expect(report).toMatchObject({
        end_of_turn_latency_ms: { p50: expect.any(Number), p95: expect.any(Number) },
        premature_cutoffs: expect.any(Number),
        barge_in_latency_ms: { p50: expect.any(Number), p95: expect.any(Number) },
        false_interruptions: expect.any(Number),
      });
      const s = report.settings['smart:0.5'];
      expect(s.turns_expected).toBe(3); // the interruption, the number's second part, the question on the echoing line
      expect(s.turns_answered).toBe(3);
      expect(s.cutoff_probes).toBe(1);
      expect(s.interruption_probes).toBe(3);
      expect(s.false_interruptions).toBe(0); // neither backchannels nor the agent's own echo took the turn
      expect(s.barge_ins_missed).toBe(0);
      expect(s.end_of_turn_latency_ms.p50).toBeGreaterThan(0);
      expect(s.end_of_turn_latency_ms.p95).toBeLessThan(5000);
      expect(s.barge_in_latency_ms.p50).toBeGreaterThan(0);
      expect(report.scenarios['smart:0.5']).toHaveLength(4);
      // Voice-to-voice subtracts nothing: with the fixed "current" latencies (50 + 150 + 80 ms) it is end of turn + 280.
      expect(report.profile).toBe('current');
      expect(s.voice_to_voice_ms.p50).toBe(s.end_of_turn_latency_ms.p50 + 280);
      expect(s.voice_to_voice_ms.p95).toBe(s.end_of_turn_latency_ms.p95 + 280);
      expect(report.profiles.current.settings['smart:0.5']).toEqual(s);
      expect(s.speculative_replies).toBe(0); // a setting without :speculative runs with it off
      // With both flags: replies were prepared (and counted, wasted or not), the backchannels only ducked the agent.
      const both = report.settings['smart:0.5:speculative:duck'];
      expect(both.speculative_replies).toBeGreaterThan(0);
      expect(both.speculative_wasted).toBeLessThanOrEqual(both.speculative_replies);
      expect(both.ducked_ms.count).toBeGreaterThan(0);
      // A ducked pause costs no silence (a backchannel longer than the 0.6 s stop is paused after all, and costs some).
      const gaps = (report.scenarios['smart:0.5:speculative:duck'] as { pauseGapsMs: number[] }[]).flatMap((r) => r.pauseGapsMs);
      expect(gaps).toContain(0);
      expect(both.false_interruptions).toBe(0);
    } finally {
      bench.kill();
    }
  }, 90_000);

  const refused: [string[], string][] = [
    [['--profiles', 'current,slow'], 'bad --profiles "current,slow": use a comma-separated list of current, typical'],
    [['--settings', 'smart:0.5:fast'], 'bad setting "smart:0.5:fast": use silence:<ms 100-5000> or smart:<eagerness 0-1>, optionally followed by :speculative and/or :duck'],
  ];
  for (const [args, message] of refused) {
    it(`refuses ${args.join(' ')} with what is allowed, exit code 2 and no stack trace`, async () => {
      const bench = spawnInvorto(['bench', 'turns', ...args]);
      try {
        const code = await new Promise<number | null>((resolve) => bench.child.once('exit', resolve));
        expect(code).toBe(2);
        expect(bench.output()).toContain(message);
        expect(bench.output()).not.toMatch(/\n\s+at /);
      } finally {
        bench.kill();
      }
    }, 30_000);
  }
});
