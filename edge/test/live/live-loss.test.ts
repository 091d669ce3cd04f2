// Losing the live path never touches a call: control closed mid-call (the edge's live socket drops) or Redis
// killed mid-call, while a browser watches; the call goes on to the agent's answer and a normal hang-up, and the
// edge stops streaming.
import { describe, expect, it } from 'vitest';
import { placeTwilioCall } from '../../src/sim/carrier-caller.ts';
import { silenceFrames, speechFrames } from '../../src/sim/caller-sounds.ts';
import { redisServerMissing } from '../helpers/redis-server.ts';
import { liveCallId, startLiveRig, until, Watcher, type Transport } from './live-setup.ts';

const transports: Transport[] = redisServerMissing ? ['control'] : ['redis', 'control'];

describe.each(transports)('losing the live path (%s) mid-call', (transport) => {
  it('leaves the watched call to finish normally', async () => {
    const rig = await startLiveRig(transport);
    try {
      const frames = [...silenceFrames(7000), ...(await speechFrames('What are your opening hours?')), ...silenceFrames(500)];
      const call = placeTwilioCall({ url: rig.mediaUrl, frames, quietHangupMs: 2500, maxDurationMs: 40_000 });
      const callId = await liveCallId(rig.control);
      const watcher = new Watcher(rig.control.url, rig.control.apiKey);
      await watcher.opened;
      watcher.send({ watch: callId });
      await until(() => watcher.of('levels').length >= 10, 'a second of levels');
      expect(rig.edge.live!.watchedCalls).toBe(1);
      // The greeting is playing and the caller has yet to speak: the rest of the call runs without the live path.
      if (rig.redis) await rig.redis.kill();
      else await rig.control.control.close();
      await until(() => rig.edge.live!.watchedCalls === 0, 'the edge to stop streaming', 5000);
      const result = await call;
      expect(result.closeCode).toBe(1000);
      expect(result.replies.map((r) => r.mark)).toEqual(['reply-0', 'reply-1']);
      watcher.close();
    } finally {
      await rig.close();
    }
  }, 90_000);
});

describe('losing an edge while its call is watched', () => {
  it("leaves the other edge's watched call streaming and finishing normally", async () => {
    const rig = await startLiveRig('control');
    try {
      const second = await rig.addEdge('edge-live-second');
      const question = await speechFrames('What are your opening hours?');
      // The call on the edge that will be lost: the caller stays on the line in silence.
      const doomed = placeTwilioCall({ url: rig.mediaUrl, frames: silenceFrames(30_000), quietHangupMs: 60_000, maxDurationMs: 40_000 });
      const doomedId = await liveCallId(rig.control);
      const call = placeTwilioCall({ url: second.mediaUrl, frames: [...silenceFrames(7000), ...question, ...silenceFrames(500)], quietHangupMs: 2500, maxDurationMs: 40_000 });
      const callId = await liveCallId(rig.control, [doomedId]);
      const watcher = new Watcher(rig.control.url, rig.control.apiKey);
      await watcher.opened;
      watcher.send({ watch: doomedId });
      watcher.send({ watch: callId });
      const levelsOf = (id: string) => watcher.of('levels').filter((r) => r.message.callId === id).length;
      await until(() => levelsOf(doomedId) >= 10 && levelsOf(callId) >= 10, 'a second of levels from both edges');
      await rig.edge.close(); // the first edge is gone, its call with it
      const before = levelsOf(callId);
      await until(() => levelsOf(callId) >= before + 20, 'two more seconds of levels from the other edge');
      const result = await call;
      expect(result.closeCode).toBe(1000);
      expect(result.replies.map((r) => r.mark)).toEqual(['reply-0', 'reply-1']);
      expect(watcher.of('transcript').some((r) => r.message.callId === callId && r.message.isFinal)).toBe(true);
      await doomed.catch(() => null);
      watcher.close();
    } finally {
      await rig.close();
    }
  }, 90_000);
});
