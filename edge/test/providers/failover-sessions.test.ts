// The failover session wrappers with fake engines (edge/src/providers/testing): a lost engine is reconnected or
// replaced along the chain, the ASR hears again what was not finalized, the TTS says again what was not whole, and
// only when no engine is left does the session close. Then the bad cases: an empty chain, a call that ends during a
// failover, a clear during one, an engine that fails again before serving.
import { describe, expect, it } from 'vitest';
import { EngineChain } from '../../src/providers/resilience/engine-chain.ts';
import { FailoverAsrSession, failoverAsr } from '../../src/providers/resilience/failover-asr.ts';
import { FailoverTtsSession, failoverTts } from '../../src/providers/resilience/failover-tts.ts';
import { ProviderBreakers, stateOf } from '../../src/providers/resilience/policies.ts';
import { FakeAsrProvider, FakeTtsProvider } from '../../src/providers/testing/index.ts';
import type { AsrSession, EngineChange, TtsSession } from '../../src/providers/types.ts';

const FORMAT = { encoding: 'mulaw' as const, sampleRateHz: 8000 };
const context = () => ({ callId: 'c', language: 'en-US', signal: new AbortController().signal });
const frame = (value: number) => new Uint8Array(160).fill(value);
const until = async (check: () => boolean) => {
  const deadline = Date.now() + 3000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

function asrChain(...engines: FakeAsrProvider[]) {
  const breakers = new ProviderBreakers();
  return { breakers, provider: failoverAsr(new EngineChain<AsrSession>(engines, { breakers, stage: 'asr' })) };
}

describe('ASR failover session', () => {
  it('replays the audio not yet finalized into the next engine when the first is lost for good', async () => {
    const primary = new FakeAsrProvider('vendor');
    const offline = new FakeAsrProvider('offline');
    const { provider, breakers } = asrChain(primary, offline);
    const session = await provider.open(context(), { format: FORMAT }) as FailoverAsrSession;
    const changes: EngineChange[] = [];
    session.on('failover', (c) => changes.push(c));
    for (let i = 0; i < 50; i++) session.push(frame(1)); // 1 s, finalized below
    primary.last!.result({ text: 'first words', isFinal: true, speechFinal: true, confidence: 1, startS: 0, endS: 1 });
    for (let i = 0; i < 25; i++) session.push(frame(2)); // 0.5 s the vendor never finalized
    primary.failOpens(new Error('refused'));
    primary.last!.fail('socket lost');
    await until(() => changes.length === 1);
    expect(changes[0]).toMatchObject({ from: 'vendor', to: 'offline' });
    expect(changes[0].recoveredMs).toBeLessThan(1000);
    expect(session.provider).toBe('offline');
    // The offline engine heard the half second after the last final, nothing before it.
    expect(offline.last!.heardBytes).toBe(25 * 160);
    expect(offline.last!.heard.every((a) => a.every((b) => b === 2))).toBe(true);
    session.push(frame(3));
    expect(offline.last!.heardBytes).toBe(26 * 160);
    // Its transcripts are on the session's clock: its time 0 is where the replayed audio began.
    const times: number[] = [];
    session.on('transcript', (t) => times.push(t.startS!));
    offline.last!.result({ text: 'more', isFinal: true, speechFinal: true, confidence: 1, startS: 0.1, endS: 0.4 });
    expect(times[0]).toBeCloseTo(1.1);
    // So are an engine's turn events (Deepgram Flux): passed on, their audio window moved onto the session's clock.
    const turns: number[] = [];
    session.on('turn', (t) => turns.push(t.audioWindowEndS));
    offline.last!.turn({ event: 'EndOfTurn', transcript: 'more', turnIndex: 0, endOfTurnConfidence: 0.9, audioWindowEndS: 0.5 });
    expect(turns).toHaveLength(1);
    expect(turns[0]).toBeCloseTo(1.5);
    // The vendor was tried again (quickly) before the offline engine took over; its breaker counted the failures.
    expect(primary.sessions).toHaveLength(1);
    expect([...breakers.states()]).toContainEqual(['vendor-asr', 'closed']);
    await session.close();
  });

  it('reconnects the same engine first when it had served, and a finalize asked during the gap reaches the new one', async () => {
    const primary = new FakeAsrProvider('vendor');
    const { provider } = asrChain(primary, new FakeAsrProvider('offline'));
    const session = await provider.open(context(), { format: FORMAT });
    primary.last!.interim('hello');
    primary.last!.fail('socket lost');
    session.finalize(); // while reconnecting
    await until(() => primary.sessions.length === 2 && primary.last!.finalizeCalls === 1);
    expect((session as FailoverAsrSession).provider).toBe('vendor');
    await session.close();
    expect(primary.last!.closed).toBe(true);
  });

  it('closes with the reason when every engine is gone, once', async () => {
    const primary = new FakeAsrProvider('vendor');
    const offline = new FakeAsrProvider('offline');
    const { provider } = asrChain(primary, offline);
    const session = await provider.open(context(), { format: FORMAT });
    const closed: string[] = [];
    const changes: EngineChange[] = [];
    session.on('closed', ({ reason }) => closed.push(reason));
    session.on('failover', (c) => changes.push(c));
    primary.failOpens(new Error('refused'));
    offline.failOpens(new Error('not installed'));
    primary.last!.fail('socket lost');
    await until(() => closed.length === 1);
    expect(closed[0]).toMatch(/every ASR engine lost/);
    expect(changes).toMatchObject([{ from: 'vendor', to: '' }]);
    session.push(frame(1)); // ignored, no throw
    await session.close();
    expect(closed).toHaveLength(1);
  });

  it('a call that ends during a failover: the engine that opened late is closed, nothing is emitted after', async () => {
    const primary = new FakeAsrProvider('vendor');
    const slow = new FakeAsrProvider('offline', { openDelayMs: 100 });
    const { provider } = asrChain(primary, slow);
    const session = await provider.open(context(), { format: FORMAT });
    const events: string[] = [];
    session.on('failover', () => events.push('failover'));
    primary.failOpens(new Error('refused'));
    primary.last!.fail('socket lost');
    await session.close();
    await new Promise((r) => setTimeout(r, 300));
    expect(slow.sessions.every((s) => s.closed)).toBe(true);
    expect(events).toEqual([]);
  });

  it('an engine that opens and is lost again before serving is not retried: the next one is', async () => {
    const primary = new FakeAsrProvider('vendor');
    const offline = new FakeAsrProvider('offline');
    const { provider } = asrChain(primary, offline);
    const session = await provider.open(context(), { format: FORMAT }) as FailoverAsrSession;
    primary.last!.fail('lost at once');
    await until(() => session.provider === 'offline');
    expect(primary.sessions).toHaveLength(1);
  });

  it('an empty chain is refused with a reason', () => {
    expect(() => new EngineChain<AsrSession>([], { breakers: new ProviderBreakers(), stage: 'asr' })).toThrow(/at least one engine/);
  });

  it('an engine whose breaker is open is skipped at once, with the failure that opened it as the reason', async () => {
    const primary = new FakeAsrProvider('vendor');
    const offline = new FakeAsrProvider('offline');
    const breakers = new ProviderBreakers({ failureThreshold: 2 });
    const provider = failoverAsr(new EngineChain<AsrSession>([primary], { breakers, stage: 'asr' }));
    primary.failOpens(new Error('vendor down'));
    await expect(provider.open(context(), { format: FORMAT })).rejects.toThrow(/vendor down/);
    await expect(provider.open(context(), { format: FORMAT })).rejects.toThrow(/vendor down/);
    expect(stateOf(breakers.get('vendor-asr'))).toBe('open');
    primary.failOpens(null);
    await expect(provider.open(context(), { format: FORMAT })).rejects.toThrow(/vendor down/); // skipped: still open
    const chained = failoverAsr(new EngineChain<AsrSession>([primary, offline], { breakers, stage: 'asr' }));
    expect(((await chained.open(context(), { format: FORMAT })) as FailoverAsrSession).provider).toBe('offline');
  });

  it('opens that fail because the caller hung up meanwhile are not held against the engine: its breaker stays closed', async () => {
    const primary = new FakeAsrProvider('vendor', { openDelayMs: 20 });
    const breakers = new ProviderBreakers({ failureThreshold: 2 });
    const provider = failoverAsr(new EngineChain<AsrSession>([primary], { breakers, stage: 'asr' }));
    primary.failOpens(new Error('socket closed by the SDK'));
    for (let call = 0; call < 5; call++) {
      const hangUp = new AbortController();
      const opening = provider.open({ ...context(), signal: hangUp.signal }, { format: FORMAT });
      hangUp.abort();
      await expect(opening).rejects.toThrow();
    }
    expect(stateOf(breakers.get('vendor-asr'))).toBe('closed');
    primary.failOpens(null);
    expect(((await provider.open(context(), { format: FORMAT })) as FailoverAsrSession).provider).toBe('vendor');
  });
});

describe('TTS failover session', () => {
  function ttsChain(...engines: FakeTtsProvider[]) {
    return failoverTts(new EngineChain<TtsSession>(engines, { breakers: new ProviderBreakers(), stage: 'tts' }));
  }

  it('says again, from its start, every sentence not yet whole, in the next voice; flush numbers carry on', async () => {
    const vendor = new FakeTtsProvider('vendor', { firstByteMs: 50 });
    const offline = new FakeTtsProvider('offline', { firstByteMs: 1 });
    const session = await ttsChain(vendor, offline).open(context(), { format: FORMAT }) as FailoverTtsSession;
    const flushed: number[] = [];
    session.on('flushed', ({ sequence }) => flushed.push(sequence));
    session.speak('One.');
    expect(session.flush()).toBe(0);
    await until(() => flushed.length === 1);
    session.speak('Two is cut. ');
    expect(session.flush()).toBe(1);
    session.speak('Three.');
    expect(session.flush()).toBe(2);
    session.speak('Four, not flushed');
    vendor.failOpens(new Error('refused'));
    vendor.last!.fail('socket lost');
    await until(() => flushed.length === 3);
    expect(session.provider).toBe('offline');
    expect(offline.last!.spoken).toEqual(['Two is cut. ', 'Three.']);
    expect(flushed).toEqual([0, 1, 2]);
    expect(session.flush()).toBe(3);
    expect(offline.last!.spoken.at(-1)).toBe('Four, not flushed');
    await until(() => flushed.length === 4);
  });

  it('a clear during the failover: nothing cleared is said again', async () => {
    const vendor = new FakeTtsProvider('vendor', { firstByteMs: 50 });
    const offline = new FakeTtsProvider('offline');
    const session = await ttsChain(vendor, offline).open(context(), { format: FORMAT }) as FailoverTtsSession;
    session.speak('A long sentence.');
    session.flush();
    vendor.failOpens(new Error('refused'));
    vendor.last!.fail('socket lost');
    session.clear();
    await until(() => offline.sessions.length === 1);
    expect(offline.last!.spoken).toEqual([]);
  });

  it('closes when every voice is gone', async () => {
    const vendor = new FakeTtsProvider('vendor');
    const session = await ttsChain(vendor).open(context(), { format: FORMAT });
    const closed: string[] = [];
    session.on('closed', ({ reason }) => closed.push(reason));
    vendor.last!.fail('socket lost'); // served nothing: the same engine is not retried, and there is no other
    await until(() => closed.length === 1);
    expect(closed[0]).toMatch(/every TTS engine lost/);
  });
});
