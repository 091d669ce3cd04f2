// The phrase cache in front of the real Deepgram TTS adapter (emulated Aura): a phrase said once is played from the
// cache the next time with no provider request; another voice or format is a different phrase; a cached phrase
// never overtakes audio still coming for an earlier sentence; a phrase asked for again is copied to disk, and the copy
// survives a restart.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDeepgramEmulator, type DeepgramEmulator } from '../../testing/emulators/index.ts';
import { createDeepgramTts } from '../../src/providers/deepgram/tts.ts';
import { cachedTts } from '../../src/providers/tts-cache/cached-tts.ts';
import { PhraseCache } from '../../src/providers/tts-cache/phrase-cache.ts';
import { say } from '../helpers/tts-say.ts';

describe('TTS phrase cache', () => {
  let emulator: DeepgramEmulator;
  const dirs: string[] = [];
  afterEach(async () => {
    await emulator?.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('plays a phrase said before from the cache: no provider request, the same audio', async () => {
    emulator = await startDeepgramEmulator({ speak: { firstByteMs: 30 } });
    const cache = new PhraseCache();
    const tts = cachedTts(createDeepgramTts({ apiKey: 'test-deepgram-key', baseUrl: emulator.url }), cache);
    const first = await say(tts, ['One moment please.']);
    const second = await say(tts, ['One moment please.']);
    expect(emulator.speakRequests.map((r) => r.texts)).toEqual([['One moment please.'], []]);
    expect(second.audio.equals(first.audio)).toBe(true);
    expect(cache.stats).toMatchObject({ hits: 1, stored: 1 });
  });

  it('another voice or audio format is another phrase', async () => {
    emulator = await startDeepgramEmulator({ speak: { firstByteMs: 5 } });
    const tts = cachedTts(createDeepgramTts({ apiKey: 'test-deepgram-key', baseUrl: emulator.url }), new PhraseCache());
    await say(tts, ['Hello.']);
    await say(tts, ['Hello.'], { voice: 'aura-2-andromeda-en' });
    await say(tts, ['Hello.'], { format: { encoding: 'linear16', sampleRateHz: 16000 } });
    expect(emulator.speakRequests.map((r) => r.texts)).toEqual([['Hello.'], ['Hello.'], ['Hello.']]);
  });

  it('a cached phrase waits for the audio of the sentence before it', async () => {
    emulator = await startDeepgramEmulator({ speak: { firstByteMs: 80 } });
    const tts = cachedTts(createDeepgramTts({ apiKey: 'test-deepgram-key', baseUrl: emulator.url }), new PhraseCache());
    await say(tts, ['Sure.']);
    const { events } = await say(tts, ['Let me look that up for you right now.', 'Sure.']);
    expect(events).toEqual(['audio', 'flushed 0', 'audio', 'flushed 1']);
    expect(emulator.speakRequests[1].texts).toEqual(['Let me look that up for you right now.']);
  });

  it('keeps phrases on disk for the next start, and long answers not at all', async () => {
    emulator = await startDeepgramEmulator({ speak: { firstByteMs: 5 } });
    const dir = mkdtempSync(join(tmpdir(), 'invorto-phrases-'));
    dirs.push(dir);
    const deepgram = createDeepgramTts({ apiKey: 'test-deepgram-key', baseUrl: emulator.url });
    const long = `${'This answer is long. '.repeat(12)}`.trim();
    const first = new PhraseCache({ dir });
    await say(cachedTts(deepgram, first), ['Thank you for calling.', long, 'Said only once.']);
    await first.settled();
    expect(readdirSync(dir)).toEqual([]); // nothing is written until a phrase is asked for again
    await say(cachedTts(deepgram, first), ['Thank you for calling.']);
    await first.settled(); // disk copies are written in the background
    expect(readdirSync(dir)).toHaveLength(1);
    const restarted = new PhraseCache({ dir });
    await say(cachedTts(deepgram, restarted), ['Thank you for calling.', long]);
    expect(emulator.speakRequests.map((r) => r.texts)).toEqual([['Thank you for calling.', long, 'Said only once.'], [], [long]]);
    expect(restarted.stats.hits).toBe(1);
  });

  it('a phrase listed on disk at start but gone when asked for is made by the provider again', async () => {
    emulator = await startDeepgramEmulator({ speak: { firstByteMs: 5 } });
    const dir = mkdtempSync(join(tmpdir(), 'invorto-phrases-'));
    dirs.push(dir);
    const deepgram = createDeepgramTts({ apiKey: 'test-deepgram-key', baseUrl: emulator.url });
    const first = new PhraseCache({ dir });
    const original = await say(cachedTts(deepgram, first), ['Please hold.', 'One moment.']);
    await say(cachedTts(deepgram, first), ['Please hold.', 'One moment.']); // asked for again: copied to disk
    await first.settled();
    expect(readdirSync(dir)).toHaveLength(2);
    const restarted = new PhraseCache({ dir });
    for (const name of readdirSync(dir)) rmSync(join(dir, name)); // deleted by an operator after the node started
    const again = await say(cachedTts(deepgram, restarted), ['Please hold.', 'One moment.']);
    expect(emulator.speakRequests.map((r) => r.texts)).toEqual([['Please hold.', 'One moment.'], [], ['Please hold.', 'One moment.']]);
    expect(again.audio.equals(original.audio)).toBe(true);
    expect(restarted.stats).toMatchObject({ hits: 0, misses: 2, stored: 2 });
  });
});
