import { describe, expect, it } from 'vitest';
import type { AudioFormat, LlmChunk, LlmClient, LlmRequest, TtsEvents, TtsSession } from '../src/providers/types.ts';
import { Reply } from '../src/runtime/reply.ts';
import { TypedEmitter } from '../src/util/typed-emitter.ts';

/** A TTS session that synthesizes on demand: the test says when each flush completes. */
class ManualTts extends TypedEmitter<TtsEvents> implements TtsSession {
  readonly format: AudioFormat = { encoding: 'mulaw', sampleRateHz: 8000 };
  readonly spoken: string[] = [];
  #sequence = -1;
  speak(text: string): void { this.spoken.push(text); }
  flush(): number { return ++this.#sequence; }
  clear(): void {}
  async close(): Promise<void> {}
}

/** The speaker's part: TTS finished flush `sequence`, so the reply hears of it (as AgentSpeaker tells it). */
const complete = (reply: Reply, sequence: number) => reply.takeFlushed(sequence);

const longAnswer: LlmClient = {
  name: 'fake',
  async *stream(_request: LlmRequest): AsyncIterable<LlmChunk> {
    for (let i = 1; i <= 20; i++) yield { type: 'text', text: `This is sentence number ${i}. ` };
    yield { type: 'usage', inputTokens: 10, outputTokens: 200, model: 'fake' };
  },
};

describe('Reply flow control', () => {
  it('keeps at most two sentences at the TTS and none while the speaker says enough audio is queued', async () => {
    const tts = new ManualTts();
    let room = true;
    let spoken = 0;
    const reply = new Reply(1, tts, { onFirstToken: () => {}, onSpoken: () => { spoken++; }, onError: (stage, error) => { throw error; }, canSpeak: () => room });
    await reply.generate(longAnswer, [{ role: 'user', content: 'tell me everything' }], {});
    expect(tts.spoken).toHaveLength(2);
    expect(reply.waiting).toBe(18);
    room = false; // the speaker has seconds of audio queued: hold the rest
    complete(reply, 0);
    expect(tts.spoken).toHaveLength(2);
    room = true;
    reply.pump();
    expect(tts.spoken).toHaveLength(3);
    for (let sequence = 1; sequence < 20; sequence++) complete(reply, sequence);
    expect(tts.spoken).toHaveLength(20);
    expect(tts.spoken[19]).toBe('This is sentence number twenty.');
    expect(spoken).toBe(1); // "all spoken" only once every sentence was synthesized
  });

  it('a cancelled reply sends nothing more', async () => {
    const tts = new ManualTts();
    const reply = new Reply(1, tts, { onFirstToken: () => {}, onSpoken: () => {}, onError: () => {} });
    await reply.generate(longAnswer, [{ role: 'user', content: 'go on' }], {});
    reply.cancel();
    complete(reply, 0);
    complete(reply, 1);
    reply.pump();
    expect(tts.spoken).toHaveLength(2);
  });
});
