// The provider-stream protocol end to end: an agent whose ASR and TTS are "stream" engines (the reference engine,
// serving pocketsphinx and Flite over the protocol) takes a real call: it is greeted and its question answered. And
// the engine refuses what the protocol does not allow, saying why.
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { v1 } from '@invorto/proto';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { createFliteTts, createPocketsphinxAsr } from '../../src/providers/offline/index.ts';
import { startReferenceEngine } from '../../src/providers/stream/reference-engine.ts';
import { placeTwilioCall } from '../../src/sim/carrier-caller.ts';
import { mulawRmsDbfs, silenceFrames, speechFrames } from '../../src/sim/caller-sounds.ts';
import { startTestEdge } from '../helpers/edge-harness.ts';
import { readTimeline } from '../helpers/timeline.ts';

describe('provider-stream protocol', () => {
  it('a call whose ASR and TTS are customer engines is greeted, heard and answered', async () => {
    const base = demoAgent('default');
    const phrases = base.intents.flatMap((i) => [...i.match, i.reply]);
    const engine = await startReferenceEngine({ asr: createPocketsphinxAsr({ phrases }), tts: createFliteTts() });
    const agent = { ...base, asr: { provider: 'stream', url: engine.url }, tts: { provider: 'stream', url: engine.url } };
    const harness = await startTestEdge({}, { agent });
    try {
      const frames = [...silenceFrames(5500), ...(await speechFrames('What are your opening hours?')), ...silenceFrames(500)];
      const result = await placeTwilioCall({ url: harness.mediaUrl, frames, quietHangupMs: 2500, maxDurationMs: 40_000 });
      expect(mulawRmsDbfs(result.agentAudio)).toBeGreaterThan(-40);
      const turns = readTimeline(harness.dataDir).filter((e) => e.turn).map((e) => e.turn!);
      expect(turns[0].agentText).toBe(base.greeting);
      expect(turns[1]?.agentText).toBe('We are open from nine in the morning to six in the evening, Monday to Saturday.');
      expect(turns[1]?.callerText).toBeTruthy(); // heard through the engine (what pocketsphinx makes of Flite is its own affair)
    } finally {
      await harness.close();
      await engine.close();
    }
  }, 60_000);

  it('the engine refuses a session without a hello, an unknown encoding and a malformed frame, with a reason', async () => {
    const engine = await startReferenceEngine({ asr: createPocketsphinxAsr({ phrases: [] }), tts: createFliteTts() });
    const exchange = async (first: Uint8Array | string) => {
      const ws = new WebSocket(engine.url);
      await new Promise((resolve) => ws.once('open', resolve));
      const answer = new Promise<{ message: string; code: number }>((resolve) => {
        let message = '';
        ws.on('message', (data: Buffer) => { message = v1.ProviderFrame.decode(data).error?.message ?? ''; });
        ws.on('close', (code) => resolve({ message, code }));
      });
      ws.send(first);
      return answer;
    };
    const frame = (body: Record<string, unknown>) => v1.ProviderFrame.encode(v1.ProviderFrame.create({ version: 1, ...body })).finish();
    try {
      expect(await exchange(frame({ audio: { payload: new Uint8Array(160) } }))).toEqual({ message: 'the first frame must be a hello', code: 1008 });
      expect(await exchange(frame({ hello: { kind: 'tts', encoding: 'opus', sampleRateHz: 48000 } }))).toMatchObject({ message: expect.stringMatching(/unsupported encoding "opus"/), code: 1008 });
      expect(await exchange('{"hello":{}}')).toMatchObject({ message: expect.stringMatching(/^malformed frame/), code: 1008 });
      expect(await exchange(new Uint8Array([0xff, 0xff, 0xff, 0x0f]))).toMatchObject({ message: expect.stringMatching(/^malformed frame/), code: 1008 });
    } finally {
      await engine.close();
    }
  });
});
