// `invorto bench load` at a handful of calls for a few seconds, loopback only: the generator, a real edge process and
// the provider emulators' process. Every frame the callers sent reaches the ASR emulator, frame for frame, and the
// summary has the shape `--json` prints.
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/load/analysis.ts';
import { runLoad } from '../src/load/run-load.ts';
import { summarizeLoad } from '../src/suites/load.ts';

describe('bench load', () => {
  it('delivers every caller frame to the ASR emulator through a real edge, and reports the JSON shape', async () => {
    const calls = 4;
    const raw = await runLoad({ edge: 'invorto', levels: [calls], rampPerS: 50, holdS: 4, settleS: 1, generatorProcesses: 1 });
    expect(raw.calls).toHaveLength(calls);
    expect(raw.providers.unidentifiedSockets).toBe(0);
    const received = new Map(raw.providers.listens.map((l) => [l.callId, l.arrivalsMs.length]));
    for (const call of raw.calls) {
      expect(call.error).toBeNull();
      expect(call.sendMs.length).toBeGreaterThan(200); // > 4 s of 20 ms frames
      expect(received.get(call.callId), `call ${call.callId}`).toBe(call.sendMs.length);
      expect(call.replyStartsMs.length).toBeGreaterThan(0); // the greeting, at least
    }

    const summary = JSON.parse(JSON.stringify(summarizeLoad({ invorto: analyze(raw) })));
    expect(summary).toMatchObject({
      calls, frames_lost: 0,
      frame_latency_ms: { p50: expect.any(Number), p95: expect.any(Number), p99: expect.any(Number) },
      edge_cpu_percent: expect.any(Number), edge_rss_mb: expect.any(Number),
    });
    expect(summary.frames_sent).toBe(raw.calls.reduce((n, c) => n + c.sendMs.length, 0));
    expect(summary.frames_received).toBe(summary.frames_sent);
    const level = summary.runs.invorto.levels[0];
    expect(level).toMatchObject({ calls, calls_held: calls, frames_lost: 0 });
    expect(level.frames_received).toBe(level.frames_sent);
    expect(level.frames_sent).toBeGreaterThan(calls * 150); // the 4 s window holds about 200 frames a call
    expect(summary.edge_rss_mb).toBeGreaterThan(10);
  }, 60_000);

  it.each(['baseline', 'uws-wasm'] as const)('the lean %s edge the ratios are taken against delivers every frame too', async (edge) => {
    const raw = await runLoad({ edge, levels: [2], rampPerS: 50, holdS: 3, settleS: 1, generatorProcesses: 1 });
    const received = new Map(raw.providers.listens.map((l) => [l.callId, l.arrivalsMs.length]));
    expect(raw.calls).toHaveLength(2);
    for (const call of raw.calls) {
      expect(call.error).toBeNull();
      expect(call.sendMs.length).toBeGreaterThan(150);
      expect(received.get(call.callId), `call ${call.callId}`).toBe(call.sendMs.length);
      expect(call.replyStartsMs.length).toBeGreaterThan(0); // its greeting played out as Twilio frames
    }
  }, 60_000);
});
