// Speaks sentences through a TTS provider's session, one flush each, and collects the audio and the order of events.
import { expect } from 'vitest';
import { TELEPHONY_FORMAT, type AudioFormat, type TtsProvider } from '../../src/providers/types.ts';

export async function say(provider: TtsProvider, sentences: string[], options: { voice?: string; format?: AudioFormat } = {}) {
  const abort = new AbortController();
  const session = await provider.open({ callId: 'c', language: 'en-US', signal: abort.signal }, { format: options.format ?? TELEPHONY_FORMAT, voice: options.voice });
  const events: string[] = [];
  const audio: Uint8Array[] = [];
  const done = new Promise<void>((resolve) => session.on('flushed', ({ sequence }) => { events.push(`flushed ${sequence}`); if (sequence === sentences.length - 1) resolve(); }));
  session.on('audio', (a) => { audio.push(a.slice()); if (events.at(-1) !== 'audio') events.push('audio'); });
  sentences.forEach((sentence, i) => { session.speak(sentence); expect(session.flush()).toBe(i); });
  await done;
  await session.close();
  abort.abort();
  return { audio: Buffer.concat(audio), events };
}
