// The pieces of speculative replies: the tentative end (when to ask for words, when to prepare, when to withdraw),
// a reply whose tools wait for the turn to be confirmed, the held outbound queue, and undoing a withdrawn turn.
import { describe, expect, it } from 'vitest';
import type { AudioFormat, LlmChunk, LlmClient, TtsEvents, TtsSession } from '../src/providers/types.ts';
import { CallContext } from '../src/runtime/call-context.ts';
import { OutboundAudio } from '../src/runtime/outbound-audio.ts';
import { Reply } from '../src/runtime/reply.ts';
import { ASR_ENDPOINTING_MS, TENTATIVE_END_MS, TentativeEnd } from '../src/runtime/tentative-end.ts';
import { ToolRegistry } from '../src/tools/executor.ts';
import { TypedEmitter } from '../src/util/typed-emitter.ts';

function tentative(listening = true) {
  const log: string[] = [];
  const end = new TentativeEnd({
    listening: () => listening,
    finalize: () => log.push('finalize'),
    windowPassed: () => log.push('window'),
    mayEnd: (text) => log.push(`mayEnd:${text}`),
    goesOn: (reason) => log.push(`goesOn:${reason}`),
  });
  const frames = (speech: boolean, ms: number) => { for (let t = 0; t < ms; t += 20) end.frame(speech, 20); };
  return { end, log, frames };
}

describe('TentativeEnd', () => {
  it('asks for the words after a short pause, prepares on complete words, and reports the ASR window in its place', () => {
    const { end, log, frames } = tentative();
    end.speechStarted();
    frames(true, 1000);
    frames(false, TENTATIVE_END_MS - 20);
    end.words('What are your opening hours?', false);
    expect(log).toEqual([]); // the caller has not paused long enough: nothing yet
    frames(false, 20);
    expect(log).toEqual(['finalize']);
    end.words('What are your opening hours?', false);
    expect(log).toEqual(['finalize', 'mayEnd:What are your opening hours?']);
    end.words('What are your opening hours?', false); // the same words again: prepared once
    frames(false, ASR_ENDPOINTING_MS - TENTATIVE_END_MS);
    expect(log).toEqual(['finalize', 'mayEnd:What are your opening hours?', 'window']);
    expect(end.windowPassed).toBe(true); // words arriving from now on stand in for speech_final at once
  });

  it('never prepares on unfinished or held words, nor while the agent is busy', () => {
    const { end, log, frames } = tentative();
    end.speechStarted();
    frames(true, 600);
    frames(false, TENTATIVE_END_MS);
    end.words('I want to book an appointment for', false);
    end.words('My number is nine eight four five one', false);
    end.words('What are your opening hours?', true); // the detector holds the turn open
    expect(log).toEqual(['finalize']);
    const busy = tentative(false);
    busy.end.speechStarted();
    busy.frames(true, 600);
    busy.frames(false, 400);
    busy.end.words('What are your opening hours?', false);
    expect(busy.log).toEqual([]);
  });

  it('speech that resumes for 60 ms withdraws what was prepared; a click (one frame) does not', () => {
    const { end, log, frames } = tentative();
    end.speechStarted();
    frames(true, 800);
    frames(false, TENTATIVE_END_MS);
    end.words('Please cancel my appointment.', false);
    frames(true, 20);
    frames(false, 40);
    expect(log.at(-1)).toBe('mayEnd:Please cancel my appointment.');
    frames(true, 60);
    expect(log.at(-1)).toBe('goesOn:the caller went on');
    end.withdraw('again'); // nothing prepared any more: no second withdrawal
    expect(log.filter((l) => l.startsWith('goesOn'))).toHaveLength(1);
  });

  it('after a turn is answered it waits for the next speech before finalizing again', () => {
    const { end, log, frames } = tentative();
    end.speechStarted();
    frames(true, 400);
    frames(false, 400);
    end.turnAnswered();
    frames(false, 1000);
    expect(log).toEqual(['finalize', 'window']);
  });
});

class SilentTts extends TypedEmitter<TtsEvents> implements TtsSession {
  readonly format: AudioFormat = { encoding: 'mulaw', sampleRateHz: 8000 };
  speak(): void {}
  flush(): number { return 0; }
  clear(): void {}
  async close(): Promise<void> {}
}

const asksForTool: LlmClient = {
  name: 'fake',
  async *stream({ messages }): AsyncIterable<LlmChunk> {
    if (messages.at(-1)?.role === 'tool') { yield { type: 'text', text: 'Done.' }; return; }
    yield { type: 'tool_call', call: { id: 't1', name: 'cancel', argumentsJson: '{}' } };
  },
};

function toolReply() {
  const ran: string[] = [];
  const announced: string[] = [];
  const registry = new ToolRegistry().register({ name: 'cancel', description: 'cancel', parameters: { type: 'object', properties: {} }, run: async () => { ran.push('cancel'); return { ok: true }; } });
  const reply = new Reply(1, new SilentTts(), { onFirstToken: () => {}, onSpoken: () => {}, onError: () => {}, onToolCall: (call) => announced.push(call.name) });
  reply.holdTools();
  const done = reply.generate(asksForTool, [{ role: 'user', content: 'cancel it' }], {}, {
    registry, callId: 'c1', dependsOn: {}, filler: () => null, fillerAfterMs: 10_000, maxRounds: 3,
  });
  return { reply, done, ran, announced };
}

describe('a speculative reply\'s tools', () => {
  it('wait for the turn to be confirmed, then run', async () => {
    const { reply, done, ran, announced } = toolReply();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ran).toEqual([]);
    expect(announced).toEqual([]);
    reply.confirm();
    await done;
    expect(ran).toEqual(['cancel']);
    expect(announced).toEqual(['cancel']);
    expect(reply.text).toBe('Done.');
  });

  it('never run (nor are announced) when the reply is cancelled instead', async () => {
    const { reply, done, ran, announced } = toolReply();
    await new Promise((resolve) => setTimeout(resolve, 20));
    reply.cancel();
    await done;
    expect(ran).toEqual([]);
    expect(announced).toEqual([]);
    expect(reply.toolExchanges).toEqual([]);
  });
});

describe('held outbound audio and a withdrawn turn', () => {
  it('a held queue sends nothing until released, then plays from its start', () => {
    const sent: number[] = [];
    const queue = new OutboundAudio(
      { ready: () => true, sendFrame: (frame) => { sent.push(frame[0]); return true; }, onMarker: () => {}, onIdle: () => {} },
      { frameBytes: 160, frameMs: 20, encoding: 'mulaw', maxQueuedMs: 60_000, silenceByte: 0xff },
    );
    queue.hold();
    queue.pushAudio(new Uint8Array(320).fill(7));
    queue.tick(0, 60);
    queue.tick(100, 60);
    expect(sent).toEqual([]);
    queue.release();
    queue.tick(200, 60);
    expect(sent).toEqual([7, 7]);
  });

  it('rollback undoes an added turn, and an extended one', () => {
    const context = new CallContext({ systemPrompt: 'Be brief.', maxTokens: 6000 });
    context.addUser('Hello');
    context.addAssistant('Hi, how can I help?');
    const before = context.messages.map((m) => ({ ...m }));
    const mark = context.mark();
    context.addUser('What are your hours?');
    context.rollback(mark);
    expect(context.messages).toEqual(before);
    context.addUser('I want to book');
    const second = context.mark();
    const kept = context.messages.map((m) => ({ ...m }));
    context.extendLastUser('for Friday');
    expect(context.messages.at(-1)).toEqual({ role: 'user', content: 'I want to book for Friday' });
    context.rollback(second);
    expect(context.messages).toEqual(kept);
  });
});
