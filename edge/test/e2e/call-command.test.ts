// `invorto call --say` as a user runs it against an edge on the offline defaults: no WAV file, a Flite-voiced caller,
// the call's id and its timeline command, and turns labelled right when the caller talks over the greeting.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav } from '@invorto/dsp/wav.ts';
import { pocketsphinxAvailable } from '../../src/providers/offline/index.ts';
import { mulawRmsDbfs } from '../../src/sim/caller-sounds.ts';
import { startTestEdge, type EdgeHarness } from '../helpers/edge-harness.ts';
import { spawnInvorto } from '../helpers/invorto-process.ts';
import { readTimeline } from '../helpers/timeline.ts';

type CallJson = {
  call_id: string | null; timeline_command: string | null; close_code: number; clears: number;
  turns: { turn: number; mark: string | null; cut: boolean; caller_speech_end_s: number | null; agent_first_audio_s: number | null; response_latency_ms: number | null }[];
};

const noAsr = !pocketsphinxAvailable();

describe.skipIf(noAsr)(`invorto call --say${noAsr ? ' (skipped: needs pocketsphinx: apt-get install pocketsphinx pocketsphinx-en-us)' : ''}`, () => {
  let harness: EdgeHarness;
  let dir: string;
  // The caller stays on the line 8 s after the agent goes quiet: offline recognition on a busy 2-core host can take
  // seconds to answer, and a caller who hangs up first never hears it.
  const call = async (...args: string[]) => {
    const cli = spawnInvorto(['call', '--to', harness.bareMediaUrl, '--media-token-secret', harness.mediaTokenSecret, '--data-dir', harness.dataDir, '--quiet-ms', '8000', ...args]);
    const code = await cli.exited;
    return { code, output: cli.output(), stdout: cli.stdout() };
  };

  beforeAll(async () => {
    harness = await startTestEdge();
    dir = mkdtempSync(join(tmpdir(), 'invorto-call-'));
  });
  afterAll(async () => {
    await harness?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('speaks the sentence after the greeting, records a spoken answer, and prints the call id and its timeline command', async () => {
    const out = join(dir, 'reply.wav');
    const { code, stdout, output } = await call('--say', 'What time do you open tomorrow?', '--json', '--out', out);
    expect(code, output).toBe(0);
    const result = JSON.parse(stdout) as CallJson;
    expect(result.call_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.timeline_command).toBe(`invorto timeline ${result.call_id} --data-dir ${harness.dataDir}`);
    const events = readTimeline(harness.dataDir).filter((e) => e.callId === result.call_id);
    expect(events[0]?.callStarted).toBeTruthy();
    expect(result.turns.map((t) => [t.turn, t.mark, t.cut])).toEqual([[0, 'reply-0', false], [1, 'reply-1', false]]);
    expect(result.turns[1].caller_speech_end_s).toBeGreaterThan(result.turns[0].agent_first_audio_s!);
    expect(result.turns[1].response_latency_ms).toBeGreaterThan(0);
    const answer = events.filter((e) => e.turn).map((e) => e.turn!.agentText)[1];
    expect(answer).toMatch(/open/i);
    const reply = readWav(readFileSync(out));
    expect(reply.sampleRateHz).toBe(8000);
    expect(mulawRmsDbfs(reply.data)).toBeGreaterThan(-40);
  }, 90_000);

  it('a caller who talks over the greeting: the cut greeting and the answer are two turns, the answer with its speech end and latency', async () => {
    const { code, stdout, output } = await call('--say', 'What time do you open tomorrow?', '--over-greeting', '--pause-ms', '800', '--noise', 'pink', '--noise-dbfs=-50', '--json');
    expect(code, output).toBe(0);
    const result = JSON.parse(stdout) as CallJson;
    expect(result.clears).toBeGreaterThanOrEqual(1);
    expect(result.turns.map((t) => [t.turn, t.cut])).toEqual([[0, true], [1, false]]);
    expect(result.turns[0].caller_speech_end_s).toBeNull();
    expect(result.turns[1].mark).toBe('reply-1');
    expect(result.turns[1].caller_speech_end_s).toBeGreaterThan(result.turns[0].agent_first_audio_s! + 0.8);
    expect(result.turns[1].response_latency_ms).toBeGreaterThan(0);
    expect(result.turns[1].response_latency_ms).toBe(Math.round((result.turns[1].agent_first_audio_s! - result.turns[1].caller_speech_end_s!) * 1000));
  }, 90_000);

  it('names what is wrong with its arguments', async () => {
    expect((await call('--say', 'Hello.', '--voice', 'nobody')).output).toMatch(/unknown voice "nobody" \(have: kal, kal16, slt, rms, awb\)/);
    expect((await call('--say', 'Hello.', '--noise', 'rain')).output).toMatch(/unknown noise "rain" \(have: none, white, pink, hum\)/);
    expect((await call('--say', 'Hello.', '--wav', 'x.wav')).output).toMatch(/either --wav or --say/);
  });
});
