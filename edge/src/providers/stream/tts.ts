// TTS over the provider-stream protocol: text and `flush` out; audio in the session's format, then `flushed` after
// each flush's audio, in order. `clear` drops what the engine has pending (it answers `cleared`).
import { TypedEmitter } from '../../util/typed-emitter.ts';
import type { AudioFormat, SessionContext, TtsEvents, TtsProvider, TtsSession } from '../types.ts';
import { openStream, type StreamSocket } from './stream-socket.ts';

class StreamTtsSession extends TypedEmitter<TtsEvents> implements TtsSession {
  #sequence = -1;
  /** Flushes sent and not yet answered, oldest first; `clear` forgets them (the engine answers nothing for them). */
  #pending: number[] = [];
  #clearing = 0;
  #closed = false;

  constructor(readonly format: AudioFormat, private readonly socket: StreamSocket) {
    super();
    socket.onFrame((frame) => {
      if (this.#closed) return;
      if (frame.audio?.payload?.length) {
        if (this.#clearing === 0) this.emit('audio', new Uint8Array(frame.audio.payload));
      } else if (frame.control?.command === 'flushed') {
        if (this.#clearing > 0) return; // a flush the engine finished before it saw our clear
        const sequence = this.#pending.shift();
        if (sequence !== undefined) this.emit('flushed', { sequence });
      } else if (frame.control?.command === 'cleared') {
        this.#clearing = Math.max(0, this.#clearing - 1);
      } else if (frame.error) {
        this.emit('error', new Error(`provider stream TTS engine: ${frame.error.message}`));
      }
    });
    socket.onClose((reason) => { if (!this.#closed) this.emit('closed', { reason }); });
  }

  speak(text: string): void {
    if (!this.#closed) this.socket.send({ text: { text } });
  }

  flush(): number {
    this.#sequence++;
    this.#pending.push(this.#sequence);
    if (!this.#closed) this.socket.send({ control: { command: 'flush' } });
    return this.#sequence;
  }

  clear(): void {
    this.#pending = [];
    this.#clearing++;
    if (!this.#closed) this.socket.send({ control: { command: 'clear' } });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.socket.send({ control: { command: 'close' } });
    this.#closed = true;
    this.socket.close();
    this.emit('closed', { reason: 'closed' });
    this.removeAllListeners();
  }
}

export function createStreamTts(config: { url: string }): TtsProvider {
  return {
    // The engine's host names the provider: two engines never share phrase-cache entries or metrics.
    name: `stream:${new URL(config.url).host}`,
    async open(context: SessionContext, options: { format: AudioFormat; voice?: string }): Promise<TtsSession> {
      const socket = await openStream(config.url, { kind: 'tts', encoding: options.format.encoding, sampleRateHz: options.format.sampleRateHz, language: context.language, voice: options.voice }, context.signal);
      return new StreamTtsSession(options.format, socket);
    },
  };
}
