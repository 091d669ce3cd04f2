// Deepgram Aura-2 over REST (`POST /v1/speak`), one request per flush, in order: the fallback when the streaming
// socket cannot be opened. Slower to first byte than the socket, but the caller still hears the vendor's voice.
import type { DeepgramClient } from '@deepgram/sdk';
import { TypedEmitter } from '../../util/typed-emitter.ts';
import type { AudioFormat, TtsEvents, TtsSession } from '../types.ts';

/** Audio is handed on in 100 ms chunks of 8 kHz mu-law (more for wider formats), like the socket's. */
const CHUNK_MS = 100;

export class DeepgramRestTtsSession extends TypedEmitter<TtsEvents> implements TtsSession {
  #text = '';
  #sequence = -1;
  #work: Promise<void> = Promise.resolve();
  /** Bumped by clear(): requests of an earlier epoch are aborted and their audio dropped. */
  #epoch = 0;
  #inFlight = new AbortController();
  #closed = false;

  constructor(readonly format: AudioFormat, private readonly client: DeepgramClient, private readonly voice: string) {
    super();
  }

  speak(text: string): void {
    this.#text += text;
  }

  flush(): number {
    const text = this.#text;
    this.#text = '';
    const sequence = ++this.#sequence;
    const epoch = this.#epoch;
    this.#work = this.#work.then(() => this.#synthesize(text, sequence, epoch));
    return sequence;
  }

  clear(): void {
    this.#text = '';
    this.#epoch++;
    this.#inFlight.abort();
    this.#inFlight = new AbortController();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#inFlight.abort();
    this.emit('closed', { reason: 'closed' });
    this.removeAllListeners();
  }

  async #synthesize(text: string, sequence: number, epoch: number): Promise<void> {
    if (this.#closed || epoch !== this.#epoch) return;
    try {
      const response = await this.client.speak.v1.audio.generate(
        { text, model: this.voice as never, encoding: this.format.encoding as never, sample_rate: this.format.sampleRateHz, container: 'none' as never },
        // Retrying is the failover wrapper's (reconnect, then the next engine), not the SDK's: no retries of its own.
        { abortSignal: this.#inFlight.signal, maxRetries: 0 },
      );
      const audio = new Uint8Array(await response.arrayBuffer());
      if (this.#closed || epoch !== this.#epoch) return;
      const chunkBytes = Math.round((this.format.sampleRateHz * (this.format.encoding === 'linear16' ? 2 : 1) * CHUNK_MS) / 1000);
      for (let offset = 0; offset < audio.length; offset += chunkBytes) this.emit('audio', audio.subarray(offset, offset + chunkBytes));
      this.emit('flushed', { sequence });
    } catch (error) {
      if (this.#closed || epoch !== this.#epoch) return;
      // A sentence that cannot be synthesized ends the session: the failover wrapper speaks it again, from its start,
      // with the next engine (or Deepgram again, if it comes back).
      this.emit('error', new Error(`Deepgram TTS (REST) failed: ${(error as Error).message}`));
      this.#closed = true;
      this.#inFlight.abort();
      this.emit('closed', { reason: `Deepgram TTS (REST) failed: ${(error as Error).message}` });
    }
  }
}
