// Caller audio for end-to-end tests: sentences spoken by the offline Flite engine, cut into 20 ms mu-law frames.
import { decodeMulaw } from '@invorto/dsp/g711.ts';
import { createFliteTts } from '../../src/providers/offline/index.ts';
import { mulawFrames } from '../../src/sim/caller-audio.ts';
import { TELEPHONY_FORMAT } from '../../src/providers/types.ts';

export async function speechFrames(text: string): Promise<Uint8Array[]> {
  const abort = new AbortController();
  const session = await createFliteTts().open({ callId: 'test-caller', language: 'en-US', signal: abort.signal }, { format: TELEPHONY_FORMAT });
  const chunks: Uint8Array[] = [];
  const done = new Promise<void>((resolve, reject) => {
    session.on('audio', (audio) => chunks.push(audio.slice()));
    session.on('flushed', () => resolve());
    session.on('error', reject);
  });
  session.speak(text);
  session.flush();
  await done;
  await session.close();
  abort.abort();
  return mulawFrames(Buffer.concat(chunks));
}

export function silenceFrames(durationMs: number): Uint8Array[] {
  return Array.from({ length: Math.round(durationMs / 20) }, () => new Uint8Array(160).fill(0xff));
}

/** RMS of mu-law audio in dBFS (enough to tell speech from silence). */
export function mulawRmsDbfs(audio: Uint8Array): number {
  const pcm = decodeMulaw(audio);
  let sum = 0;
  for (const sample of pcm) sum += sample * sample;
  const rms = Math.sqrt(sum / Math.max(1, pcm.length));
  return rms > 0 ? 20 * Math.log10(rms / 32768) : -120;
}
