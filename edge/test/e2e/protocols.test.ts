// Every carrier protocol, spoken exactly by a simulated carrier: the agent's audio comes back framed as that carrier
// wants it, marks/checkpoints are acknowledged, and a caller talking over the greeting makes the edge send `clear`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeCall, type CallerResult } from '../../src/sim/carrier-caller.ts';
import { mulawRmsDbfs, silenceFrames, speechFrames } from '../../src/sim/caller-sounds.ts';
import { startTestEdge, type EdgeHarness } from '../helpers/edge-harness.ts';
import { readTimeline } from '../helpers/timeline.ts';

const PROTOCOLS = ['twilio', 'plivo', 'exotel', 'telnyx', 'native'] as const;
/** Bytes per outbound media message each carrier should get. */
const EXPECTED_CHUNK: Record<(typeof PROTOCOLS)[number], number> = { twilio: 160, plivo: 160, exotel: 3200, telnyx: 160, native: 160 };

describe('carrier protocols', () => {
  let harness: EdgeHarness;
  const results = new Map<string, CallerResult>();

  beforeAll(async () => {
    harness = await startTestEdge();
    // The caller cuts into the greeting after 1.5 s, then waits for the answer: up to 5 s of quiet, since five calls
    // on the offline engines at once, beside the other test files, take over 2 s to answer on a slow 2-core host.
    const frames = [...silenceFrames(1500), ...(await speechFrames('Sorry to interrupt, what are your opening hours?')), ...silenceFrames(300)];
    const token = new URL(harness.mediaUrl).searchParams.get('token');
    const base = harness.bareMediaUrl.replace(/\/twilio$/, '');
    await Promise.all(PROTOCOLS.map(async (protocol) => {
      results.set(protocol, await placeCall({ url: `${base}/${protocol}?token=${token}`, protocol, frames, quietHangupMs: 5000, maxDurationMs: 40_000 }));
    }));
  }, 90_000);
  afterAll(async () => { await harness.close(); });

  for (const protocol of PROTOCOLS) {
    it(`${protocol}: framing, acknowledgements and clear on barge-in`, () => {
      const result = results.get(protocol)!;
      expect(result.closeCode, protocol).toBe(1000);
      expect(result.framesReceived).toBeGreaterThan(10);
      expect(new Set(result.messageBytes)).toEqual(new Set([EXPECTED_CHUNK[protocol]]));
      expect(result.clears.length, 'clear on barge-in').toBeGreaterThanOrEqual(1);
      expect(result.clears[0]).toBeGreaterThan(1500);
      expect(result.clears[0]).toBeLessThan(2500);
      expect(result.replies.length, 'a reply acknowledged after the barge-in').toBeGreaterThanOrEqual(1);
      expect(result.replies.at(-1)!.firstAudioMs!).toBeGreaterThan(result.clears[0]);
      expect(mulawRmsDbfs(result.agentAudio)).toBeGreaterThan(-45);
    });
  }

  it('records each call with its transport and a barge-in in the timeline', () => {
    const events = readTimeline(harness.dataDir);
    const transports = events.filter((e) => e.callStarted).map((e) => e.callStarted!.transport).sort();
    expect(transports).toEqual([...PROTOCOLS].sort());
    expect(events.filter((e) => e.bargeIn).length).toBeGreaterThanOrEqual(PROTOCOLS.length);
  });
});
