// Caller audio for end-to-end tests: sentences spoken by the offline Flite engine, cut into 20 ms mu-law frames.
import { createFliteTts } from '../../src/providers/offline/index.ts';
import { TELEPHONY_FORMAT } from '../../src/providers/types.ts';

const FRAME_BYTES = 160;

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
  return toFrames(Buffer.concat(chunks));
}

export function silenceFrames(durationMs: number): Uint8Array[] {
  return Array.from({ length: Math.round(durationMs / 20) }, () => new Uint8Array(FRAME_BYTES).fill(0xff));
}

export function toFrames(audio: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let offset = 0; offset < audio.length; offset += FRAME_BYTES) {
    const frame = new Uint8Array(FRAME_BYTES).fill(0xff);
    frame.set(audio.subarray(offset, Math.min(audio.length, offset + FRAME_BYTES)));
    frames.push(frame);
  }
  return frames;
}

/** RMS of mu-law audio in dBFS, decoded with the G.711 formula (enough to tell speech from silence). */
export function mulawRmsDbfs(audio: Uint8Array): number {
  let sum = 0;
  for (const byte of audio) {
    const u = ~byte & 0xff;
    const magnitude = ((((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4)) - 0x84;
    const sample = u & 0x80 ? -magnitude : magnitude;
    sum += sample * sample;
  }
  const rms = Math.sqrt(sum / Math.max(1, audio.length));
  return rms > 0 ? 20 * Math.log10(rms / 32768) : -120;
}
