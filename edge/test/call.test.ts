// The Call state machine with fake providers (edge/src/providers/testing): frames in, events and carrier writes out.
// Speech is real (Flite through the dsp chain); the ASR, LLM and TTS are scripted, so each test reads as the
// conversation it checks.
import { afterEach, describe, expect, it } from 'vitest';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import type { AgentConfig } from '../src/agents/types.ts';
import { FakeAsrProvider, FakeLlm, FakeTtsProvider, type FakeAnswer } from '../src/providers/testing/index.ts';
import type { ChatMessage } from '../src/providers/types.ts';
import { Call } from '../src/runtime/call.ts';
import type { CallEvents } from '../src/runtime/call-events.ts';
import { Pacer } from '../src/runtime/pacer.ts';
import { silenceFrames, speechFrames } from '../src/sim/caller-sounds.ts';
import type { CarrierOutput } from '../src/transports/types.ts';
import { silentLogger } from '../src/util/log.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A carrier that plays everything at once: a mark comes back as soon as it is sent (as over RTP). */
function fakeCarrier() {
  const carrier = { frames: 0, marks: [] as string[], clears: 0, hangups: [] as string[], call: null as Call | null };
  const output: CarrierOutput = {
    format: { encoding: 'mulaw', sampleRateHz: 8000 }, chunkBytes: 160,
    writable: () => true,
    sendAudio: () => { carrier.frames++; return true; },
    sendMark: (name) => { carrier.marks.push(name); setImmediate(() => carrier.call?.onMark(name)); },
    clear: () => { carrier.clears++; },
    hangup: (reason) => { carrier.hangups.push(reason); },
  };
  return { carrier, output };
}

const pacers: Pacer[] = [];
const calls: Call[] = [];
afterEach(() => {
  for (const call of calls.splice(0)) call.end('caller_hangup', 'test over');
  for (const pacer of pacers.splice(0)) pacer.stop();
});

function startCall(options: { answer?: (messages: ChatMessage[]) => FakeAnswer; agent?: Partial<AgentConfig>; ttsMsPerCharacter?: number } = {}) {
  const asr = new FakeAsrProvider();
  const tts = new FakeTtsProvider('fake-tts', { firstByteMs: 5, msPerCharacter: options.ttsMsPerCharacter ?? 10 });
  const llm = new FakeLlm(options.answer ?? (() => 'We are open from nine to six.'));
  const { carrier, output } = fakeCarrier();
  const pacer = new Pacer();
  pacers.push(pacer);
  const agent: AgentConfig = { ...demoAgent('t'), greeting: 'Hi.', ...options.agent };
  const call = new Call({
    callId: 'call-1', transport: 'test', agent, providers: { asr, llm, tts }, output, pacer, log: silentLogger,
    start: { carrierCallId: 'c1', streamId: 's1', parameters: {}, format: { encoding: 'mulaw', sampleRateHz: 8000 } },
  });
  carrier.call = call;
  calls.push(call);
  const events: { [K in keyof CallEvents]?: CallEvents[K][] } = {};
  const order: string[] = [];
  for (const name of ['state', 'endOfTurn', 'agentSpeech', 'turn', 'bargeIn', 'providerError', 'ended', 'toolCall'] as const) {
    const on = call.on.bind(call) as (event: string, listener: (e: unknown) => void) => void;
    on(name, (e) => { ((events[name] ??= []) as unknown[]).push(e); order.push(name); });
  }
  const states = () => (events.state ?? []).map((s) => s.to);
  return { call, asr, tts, llm, carrier, events, order, states };
}

/** Pushes frames in real time (20 ms each), as a carrier would. */
async function play(call: Call, frames: Uint8Array[]): Promise<void> {
  for (const frame of frames) {
    call.pushAudio(frame);
    await sleep(20);
  }
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(10);
  }
}

describe('Call with fake providers', () => {
  it('greets, hears a turn, answers it, and moves IDLE -> LISTENING -> PROCESSING -> SPEAKING -> LISTENING', async () => {
    const t = startCall();
    await t.call.begin();
    await until(() => (t.events.turn ?? []).length === 1);
    expect(t.tts.last!.spoken).toEqual(['Hi.']);
    expect(t.states()).toEqual(['LISTENING', 'PROCESSING', 'SPEAKING', 'LISTENING']);
    const question = await speechFrames('What are your opening hours?');
    await play(t.call, question);
    t.asr.last!.final('What are your opening hours?', { speechFinal: true });
    await play(t.call, silenceFrames(800));
    await until(() => (t.events.turn ?? []).length === 2);
    expect(t.events.endOfTurn![0].text).toBe('What are your opening hours?');
    expect(t.llm.requests).toHaveLength(1);
    expect(t.llm.requests[0].messages.at(-1)).toEqual({ role: 'user', content: 'What are your opening hours?' });
    expect(t.tts.last!.spoken.slice(1).join(' ')).toBe('We are open from nine to six.');
    const turn = t.events.turn![1];
    expect(turn).toMatchObject({ index: 1, callerText: 'What are your opening hours?', agentText: 'We are open from nine to six.' });
    expect(turn.agentFirstAudioMs).toBeGreaterThan(turn.callerSpeechEndMs!);
    expect(t.states().slice(4)).toEqual(['PROCESSING', 'SPEAKING', 'LISTENING']);
    expect(t.call.history.slice(1)).toEqual([
      { role: 'assistant', content: 'Hi.' },
      { role: 'user', content: 'What are your opening hours?' },
      { role: 'assistant', content: 'We are open from nine to six.' },
    ]);
    // The ASR heard the caller's audio (a streaming engine hears all of it).
    expect(t.asr.last!.heardBytes).toBeGreaterThanOrEqual((question.length + 40) * 160);
  });

  it('a caller who talks over a long answer stops it: carrier cleared, the context keeps only what was heard', async () => {
    const long = 'Our clinic is open from nine in the morning to six in the evening. On Saturdays we close at one. On Sundays we are closed all day.';
    const t = startCall({ answer: () => long, ttsMsPerCharacter: 60 });
    await t.call.begin();
    await until(() => (t.events.turn ?? []).length === 1);
    await play(t.call, await speechFrames('When are you open?'));
    t.asr.last!.final('When are you open?', { speechFinal: true });
    await play(t.call, silenceFrames(600));
    await until(() => t.call.state === 'SPEAKING');
    await sleep(600);
    const interruption = await speechFrames('Wait, are you open on Sunday?');
    const playing = play(t.call, interruption);
    await sleep(300);
    t.asr.last!.final('Wait, are you open on Sunday?', { speechFinal: false });
    await playing;
    await until(() => (t.events.bargeIn ?? []).length === 1);
    expect(t.carrier.clears).toBeGreaterThanOrEqual(1);
    const cut = t.events.agentSpeech!.find((s) => s.interrupted)!;
    expect(cut.text.length).toBeGreaterThan(0);
    expect(long.startsWith(cut.text.replace(/…$/, '').trim().slice(0, 10))).toBe(true);
    expect(cut.text.length).toBeLessThan(long.length);
    expect(t.call.history.filter((m) => m.role === 'assistant').map((m) => m.content)).toEqual(['Hi.', cut.text]);
    expect(t.call.state).not.toBe('SPEAKING');
    // Usage counts what went to TTS, the sentence the caller cut off whole (it was synthesized), on the engine that spoke.
    const usage = t.call.usageSoFar;
    expect(usage.tts).toEqual([{ provider: 'fake-tts', voice: '', characters: usage.ttsCharacters }]);
    expect(usage.ttsCharacters).toBeGreaterThanOrEqual('Hi.'.length + long.indexOf('.') + 1);
    expect(usage.llm).toEqual([expect.objectContaining({ provider: 'fake-llm', model: 'fake', outputTokens: long.split(' ').length })]);
  });

  it('no ASR: the caller is told so, and the call goes on', async () => {
    const t = startCall();
    t.asr.failOpens(new Error('no engine installed'));
    await t.call.begin();
    await until(() => (t.events.turn ?? []).length === 1);
    expect(t.tts.last!.spoken[0]).toMatch(/Speech recognition is not available/);
    expect(t.events.providerError).toEqual([{ stage: 'asr', provider: 'fake-asr', message: 'no engine installed', recovered: false }]);
    expect(t.call.state).toBe('LISTENING');
  });

  it('no TTS: the call ends with an error that names it', async () => {
    const t = startCall();
    t.tts.failOpens(new Error('voice not found'));
    await t.call.begin();
    expect(t.events.ended).toEqual([expect.objectContaining({ reason: 'error', detail: 'text-to-speech unavailable: voice not found' })]);
    expect(t.asr.last!.closed).toBe(true);
  });

  it('end_call from the LLM hangs up after the goodbye has played', async () => {
    const t = startCall({
      agent: { tools: { builtins: ['end_call'] } } as Partial<AgentConfig>,
      answer: (messages) => (messages.at(-1)?.role === 'tool' ? 'Goodbye!' : { toolCalls: [{ id: 't1', name: 'end_call', argumentsJson: '{"reason":"caller is done"}' }] }),
    });
    await t.call.begin();
    await until(() => (t.events.turn ?? []).length === 1);
    await play(t.call, await speechFrames('That is all, thanks.'));
    t.asr.last!.final('That is all, thanks.', { speechFinal: true });
    await play(t.call, silenceFrames(600));
    await until(() => (t.events.ended ?? []).length === 1);
    expect(t.events.toolCall![0].name).toBe('end_call');
    expect(t.carrier.hangups).toHaveLength(1);
    expect(t.events.ended![0].reason).toBe('agent_hangup');
    expect(t.order.indexOf('turn', t.order.indexOf('toolCall'))).toBeLessThan(t.order.indexOf('ended'));
  });

  it('ends once: sessions closed, later audio and marks ignored, one ended event', async () => {
    const t = startCall();
    await t.call.begin();
    t.call.end('caller_hangup', 'bye');
    t.call.end('error', 'again');
    t.call.pushAudio(new Uint8Array(160));
    t.call.onMark('whatever');
    await sleep(20);
    expect(t.asr.last!.closed).toBe(true);
    expect(t.tts.last!.closed).toBe(true);
    expect(t.events.ended).toEqual([expect.objectContaining({ reason: 'caller_hangup', detail: 'bye' })]);
    expect(t.states().at(-1)).toBe('ENDED');
  });
});
