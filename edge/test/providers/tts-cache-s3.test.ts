// The phrase cache's shared tier on a real S3-API server (s3rver, loopback): a phrase one node repeated is played
// by another node (empty memory, empty disk) with no provider request; sentences still reach the provider in order;
// another voice misses; a dead S3 costs nothing but the lookup, and the provider serves.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeepgramEmulator, type DeepgramEmulator } from '../../testing/emulators/index.ts';
import { createDeepgramTts } from '../../src/providers/deepgram/tts.ts';
import { cachedTts } from '../../src/providers/tts-cache/cached-tts.ts';
import { PhraseCache } from '../../src/providers/tts-cache/phrase-cache.ts';
import { S3PhraseStore, s3Client } from '../../src/providers/tts-cache/s3-phrase-store.ts';
import { startS3Server, type S3TestServer } from '../../testing/emulators/s3-server.ts';
import { say } from '../helpers/tts-say.ts';

describe('TTS phrase cache in S3', () => {
  let s3: S3TestServer;
  let emulator: DeepgramEmulator;
  const dirs: string[] = [];
  const node = (settings = s3.settings, errors: Error[] = []) => {
    const dir = mkdtempSync(join(tmpdir(), 'invorto-phrases-'));
    dirs.push(dir);
    const store = new S3PhraseStore(settings, (error) => errors.push(error));
    const cache = new PhraseCache({ dir, remote: store });
    return { cache, store, tts: cachedTts(createDeepgramTts({ apiKey: 'test-deepgram-key', baseUrl: emulator.url }), cache) };
  };

  beforeAll(async () => {
    s3 = await startS3Server();
    emulator = await startDeepgramEmulator({ speak: { firstByteMs: 20 } });
  });
  afterAll(async () => {
    await emulator?.close();
    await s3?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('a phrase one node said again plays on another from S3, with no provider request; one said once is not uploaded', async () => {
    const first = node();
    const spoken = await say(first.tts, ['Thank you for calling Invorto.']);
    await say(first.tts, ['Said only once.']);
    await first.cache.settled();
    expect(first.store.stats.saves).toBe(0); // a phrase is shared once it is asked for again
    await say(first.tts, ['Thank you for calling Invorto.']);
    await first.cache.settled(); // the upload is in the background
    expect(first.store.stats.saves).toBe(1);
    const listing = await s3Client(s3.settings).send(new ListObjectsV2Command({ Bucket: s3.settings.bucket }));
    expect(listing.Contents?.map((o) => o.Key)).toEqual([expect.stringMatching(/^tts-cache\/[0-9a-f]{2}\/[0-9a-f]{64}\.audio$/)]);

    const requestsBefore = emulator.speakRequests.flatMap((r) => r.texts).length;
    const second = node();
    const replayed = await say(second.tts, ['Thank you for calling Invorto.']);
    expect(emulator.speakRequests.flatMap((r) => r.texts).length).toBe(requestsBefore);
    expect(replayed.audio.equals(spoken.audio)).toBe(true);
    expect(second.cache.stats).toMatchObject({ remoteHits: 1 });
    // Now local: a third say on that node does not ask S3 again.
    await say(second.tts, ['Thank you for calling Invorto.']);
    expect(second.store.stats.loads).toBe(1);
  });

  it('keeps sentences in order around a lookup, and another voice is another phrase', async () => {
    const { tts } = node();
    const before = emulator.speakRequests.length;
    const { events } = await say(tts, ['Let me check that for you.', 'Thank you for calling Invorto.', 'One moment.'], { voice: 'aura-2-andromeda-en' });
    expect(events).toEqual(['audio', 'flushed 0', 'audio', 'flushed 1', 'audio', 'flushed 2']);
    expect(emulator.speakRequests.slice(before).flatMap((r) => r.texts)).toEqual(['Let me check that for you.', 'Thank you for calling Invorto.', 'One moment.']);
  });

  it('with S3 unreachable, the provider serves and the failure is reported once, not per phrase', async () => {
    const errors: Error[] = [];
    const { tts, cache } = node({ ...s3.settings, endpoint: 'http://127.0.0.1:9' }, errors);
    const { audio } = await say(tts, ['Good morning.', 'How can I help?', 'Goodbye.']);
    expect(audio.length).toBeGreaterThan(0);
    expect(errors).toHaveLength(1); // the store then rests for 30 s instead of failing each lookup
    expect(cache.stats.remoteMisses).toBe(3);
  });
});
