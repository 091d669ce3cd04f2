// The Deepgram Aura-2 TTS adapter through the real @deepgram/sdk against the loopback Deepgram emulator.
import { afterEach, describe, expect, it } from 'vitest';
import { startDeepgramEmulator, type DeepgramEmulator } from '../../testing/emulators/index.ts';
import { createDeepgramTts } from '../../src/providers/deepgram/tts.ts';
import { TELEPHONY_FORMAT } from '../../src/providers/types.ts';
import { mulawRmsDbfs } from '../../src/sim/caller-sounds.ts';

describe('Deepgram TTS adapter', () => {
  let emulator: DeepgramEmulator;
  afterEach(async () => { await emulator?.close(); });

  it('asks for mu-law 8 kHz Aura-2 and returns non-silent audio, then Flushed, per sentence in order', async () => {
    emulator = await startDeepgramEmulator({ speak: { firstByteMs: 20, chunkMs: 100 } });
    const abort = new AbortController();
    const session = await createDeepgramTts({ apiKey: 'test-deepgram-key', baseUrl: emulator.url }).open({ callId: 't1', language: 'en-US', signal: abort.signal }, { format: TELEPHONY_FORMAT });
    const events: string[] = [];
    const audio: Uint8Array[] = [];
    session.on('audio', (a) => { audio.push(a); events.push('audio'); });
    const flushed = new Promise<void>((resolve) => session.on('flushed', ({ sequence }) => { events.push(`flushed ${sequence}`); if (sequence === 1) resolve(); }));
    session.speak('Hello there.');
    expect(session.flush()).toBe(0);
    session.speak('How can I help you today?');
    expect(session.flush()).toBe(1);
    await flushed;
    const [request] = emulator.speakRequests;
    expect(request.query).toMatchObject({ model: 'aura-2-thalia-en', encoding: 'mulaw', sample_rate: '8000' });
    expect(request.authorization).toBe('Token test-deepgram-key');
    expect(request.texts).toEqual(['Hello there.', 'How can I help you today?']);
    const all = Buffer.concat(audio);
    expect(all.length).toBeGreaterThan(8000 * 1.5); // about 14 characters a second
    expect(mulawRmsDbfs(all)).toBeGreaterThan(-30);
    expect(events.indexOf('flushed 0')).toBeGreaterThan(0);
    expect(events.indexOf('flushed 0')).toBeLessThan(events.lastIndexOf('audio'));
    await session.close();
    abort.abort();
  });

  it('clear() stops audio of the flush in progress and suppresses its Flushed', async () => {
    emulator = await startDeepgramEmulator({ speak: { firstByteMs: 50, chunkMs: 20 } });
    const abort = new AbortController();
    const session = await createDeepgramTts({ apiKey: 'test-deepgram-key', baseUrl: emulator.url }).open({ callId: 't2', language: 'en-US', signal: abort.signal }, { format: TELEPHONY_FORMAT });
    let flushes = 0;
    let bytes = 0;
    session.on('flushed', () => { flushes++; });
    session.on('audio', (a) => { bytes += a.length; });
    session.speak('This is a long sentence that will be interrupted before it finishes playing to the caller.');
    session.flush();
    await new Promise((r) => setTimeout(r, 80));
    session.clear();
    await new Promise((r) => setTimeout(r, 300));
    expect(flushes).toBe(0);
    expect(bytes).toBeLessThan(8000 * 5);
    expect(emulator.speakRequests[0].controls).toContain('Clear');
    await session.close();
    abort.abort();
  });

  it('speaks through REST when the streaming socket is refused: same format, one request per sentence, in order', async () => {
    emulator = await startDeepgramEmulator({ speak: { refuseWebSocket: true } });
    const abort = new AbortController();
    const session = await createDeepgramTts({ apiKey: 'test-deepgram-key', baseUrl: emulator.url }).open({ callId: 't-rest', language: 'en-US', signal: abort.signal }, { format: TELEPHONY_FORMAT });
    const events: string[] = [];
    const audio: Uint8Array[] = [];
    session.on('audio', (a) => { audio.push(a); if (events.at(-1) !== 'audio') events.push('audio'); });
    const flushed = new Promise<void>((resolve) => session.on('flushed', ({ sequence }) => { events.push(`flushed ${sequence}`); if (sequence === 1) resolve(); }));
    session.speak('Hello there.');
    session.flush();
    session.speak('How can I help you today?');
    session.flush();
    await flushed;
    expect(emulator.speakRequests).toEqual([]);
    expect(emulator.restSpeakRequests.map((r) => r.text)).toEqual(['Hello there.', 'How can I help you today?']);
    expect(emulator.restSpeakRequests[0].query).toMatchObject({ model: 'aura-2-thalia-en', encoding: 'mulaw', sample_rate: '8000' });
    expect(events).toEqual(['audio', 'flushed 0', 'audio', 'flushed 1']);
    expect(mulawRmsDbfs(Buffer.concat(audio))).toBeGreaterThan(-30);
    await session.close();
    abort.abort();
  });
});

