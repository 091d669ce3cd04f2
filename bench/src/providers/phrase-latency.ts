// Time from a sentence's flush to its first audio, through the real Deepgram TTS adapter and the phrase cache: the
// provider itself (emulated Aura on loopback with no added latency, so this is the protocol's own cost, and with
// Aura's typical ~200 ms first byte), and a phrase found in memory, on disk, or in S3 (a real S3-API server on
// loopback). Each tier is measured in the same run on the same phrases.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quantile } from '@invorto/dsp/corpus.ts';
import { createDeepgramTts } from '@invorto/edge/providers/deepgram/tts.ts';
import { cachedTts } from '@invorto/edge/providers/tts-cache/cached-tts.ts';
import { PhraseCache } from '@invorto/edge/providers/tts-cache/phrase-cache.ts';
import { S3PhraseStore } from '@invorto/edge/providers/tts-cache/s3-phrase-store.ts';
import { TELEPHONY_FORMAT, type TtsProvider } from '@invorto/edge/providers/types.ts';
import { startDeepgramEmulator } from '@invorto/edge/testing/emulators/deepgram.ts';
import { startS3Server } from '@invorto/edge/testing/emulators/s3-server.ts';
import type { Row } from '../report.ts';

const PHRASES = ['Hello, thank you for calling.', 'One moment please.', 'Let me check that for you.', 'Is there anything else?', 'Thank you, goodbye.', 'Could you repeat that?', 'Sure.', 'I understand.'];

/** Milliseconds from flush() to the first audio chunk, for each phrase in order, in one session. */
async function firstAudioMs(provider: TtsProvider, phrases: string[]): Promise<number[]> {
  const abort = new AbortController();
  const session = await provider.open({ callId: 'bench', language: 'en-US', signal: abort.signal }, { format: TELEPHONY_FORMAT, voice: 'aura-2-thalia-en' });
  const times: number[] = [];
  let started = 0;
  let sawAudio = false;
  let flushed: () => void = () => {};
  session.on('audio', () => {
    if (!sawAudio) times.push(performance.now() - started);
    sawAudio = true;
  });
  session.on('flushed', () => flushed());
  for (const phrase of phrases) {
    const done = new Promise<void>((resolve) => { flushed = resolve; });
    sawAudio = false;
    started = performance.now();
    session.speak(phrase);
    session.flush();
    await done;
  }
  await session.close();
  abort.abort();
  return times;
}

export async function measurePhraseLatency(rounds: number, onProgress: (done: number, total: number) => void): Promise<{ rows: Row[]; summary: Record<string, { p50: number; p95: number }> }> {
  const instant = await startDeepgramEmulator({ speak: { firstByteMs: 0 } });
  const typical = await startDeepgramEmulator({ speak: { firstByteMs: 200 } });
  const s3 = await startS3Server('invorto-bench');
  const dirs: string[] = [];
  const dir = () => { const d = mkdtempSync(join(tmpdir(), 'invorto-bench-phrases-')); dirs.push(d); return d; };
  const samples: Record<string, number[]> = { 'provider, Aura ~200 ms first byte': [], 'provider, no added latency': [], 'S3 (loopback)': [], 'disk': [], 'memory': [] };
  try {
    const deepgram = (url: string) => createDeepgramTts({ apiKey: 'test-deepgram-key', baseUrl: url });
    for (let round = 0; round < rounds; round++) {
      const phrases = PHRASES.map((p) => `${p} (${round})`); // new phrases each round: nothing left over in any tier
      samples['provider, Aura ~200 ms first byte'].push(...await firstAudioMs(deepgram(typical.url), phrases));
      const diskDir = dir();
      const warm = new PhraseCache({ dir: diskDir, remote: new S3PhraseStore(s3.settings) });
      samples['provider, no added latency'].push(...await firstAudioMs(cachedTts(deepgram(instant.url), warm), phrases));
      samples.memory.push(...await firstAudioMs(cachedTts(deepgram(instant.url), warm), phrases));
      await warm.settled(); // asked for again: the disk copies and S3 uploads are made in the background
      samples.disk.push(...await firstAudioMs(cachedTts(deepgram(instant.url), new PhraseCache({ dir: diskDir })), phrases));
      const fromS3 = new PhraseCache({ dir: dir(), remote: new S3PhraseStore(s3.settings) });
      samples['S3 (loopback)'].push(...await firstAudioMs(cachedTts(deepgram(instant.url), fromS3), phrases));
      if (fromS3.stats.remoteHits !== phrases.length) throw new Error(`S3 tier served ${fromS3.stats.remoteHits} of ${phrases.length} phrases`);
      onProgress(round + 1, rounds);
    }
  } finally {
    await instant.close();
    await typical.close();
    await s3.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  const baseline = quantile(samples['provider, Aura ~200 ms first byte'], 0.5);
  const summary = Object.fromEntries(Object.entries(samples).map(([tier, ms]) => [tier, { p50: quantile(ms, 0.5), p95: quantile(ms, 0.95) }]));
  const rows = Object.entries(summary).map(([tier, { p50, p95 }]) => ({ source: tier, phrases: samples[tier].length, first_audio_p50_ms: p50, first_audio_p95_ms: p95, speedup_vs_aura: baseline / p50 }));
  return { rows, summary };
}
