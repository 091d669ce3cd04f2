// `invorto bench turns --json` as an engineer runs it (a child process): the required keys are there, and the
// numbers agree with the scripts played (every scripted turn measured, probes counted) and are plausible.
import { describe, expect, it } from 'vitest';
import { spawnInvorto } from '../helpers/invorto-process.ts';

describe('invorto bench turns', () => {
  it('prints one JSON object with the turn-taking numbers for the setting it ran', async () => {
    const bench = spawnInvorto(['bench', 'turns', '--settings', 'smart:0.5', '--scenarios', 'barge-in,number-with-pause,backchannels,echo', '--concurrency', '4', '--json']);
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
    } finally {
      bench.kill();
    }
  }, 90_000);
});
