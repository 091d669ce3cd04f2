// One call end to end on the offline defaults: Flite-made caller speech in, pocketsphinx, scripted LLM, Flite out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pocketsphinxAvailable } from '../../src/providers/offline/index.ts';
import { placeTwilioCall, type CallerResult } from '../../src/sim/carrier-caller.ts';
import { mulawRmsDbfs, silenceFrames, speechFrames } from '../../src/sim/caller-sounds.ts';
import { startTestEdge, type EdgeHarness } from '../helpers/edge-harness.ts';
import { readTimeline } from '../helpers/timeline.ts';

describe('a call on the offline defaults', () => {
  let harness: EdgeHarness;
  let result: CallerResult;

  beforeAll(async () => {
    harness = await startTestEdge();
    // Let the greeting play (about 4 s), then ask for an appointment, then stay on the line.
    const frames = [...silenceFrames(6000), ...(await speechFrames('I would like to book an appointment please.')), ...silenceFrames(500)];
    result = await placeTwilioCall({ url: harness.mediaUrl, frames, quietHangupMs: 3000, maxDurationMs: 40_000 });
  }, 60_000);
  afterAll(async () => { await harness.close(); });

  it('plays the greeting, then answers the turn with non-silent audio and a mark', () => {
    expect(result.closeCode).toBe(1000);
    expect(result.replies[0]?.mark).toBe('reply-0');
    expect(result.agentAudio.length).toBeGreaterThan(8000); // over a second of agent speech
    expect(mulawRmsDbfs(result.agentAudio)).toBeGreaterThan(-40);
  });

  it.skipIf(!pocketsphinxAvailable())('recognises the caller and answers the matching intent', () => {
    expect(result.replies.map((r) => r.mark)).toEqual(['reply-0', 'reply-1']);
    const events = readTimeline(harness.dataDir);
    const finals = events.filter((e) => e.transcript?.isFinal).map((e) => String(e.transcript!.text).toLowerCase());
    expect(finals.join(' ')).toMatch(/appointment|book/);
    const turns = events.filter((e) => e.turn).map((e) => e.turn!);
    expect(turns[1].agentText).toContain('book an appointment');
    expect(turns[1].agentFirstAudioMs!).toBeGreaterThan(turns[1].callerSpeechEndMs!);
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1)); // one call: sequence numbers 1..n without gaps
    expect(events.at(-1)?.callEnded?.reason).toBe('caller_hangup');
  });
});
