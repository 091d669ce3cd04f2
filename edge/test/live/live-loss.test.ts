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
