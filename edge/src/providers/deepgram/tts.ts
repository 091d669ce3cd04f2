// Deepgram Aura-2 streaming TTS (Speak v1 WebSocket) through @deepgram/sdk, in the call's own format (mu-law 8 kHz
// for telephony) so audio goes out without resampling. Binary audio arrives as Blobs whose bytes are read
// asynchronously: an inbox keeps audio and Flushed messages in the order they came. When the socket cannot be
// opened, the session speaks through REST instead (tts-rest.ts).
import type { AudioFormat, SessionContext, TtsEvents, TtsProvider, TtsSession } from '../types.ts';
import { TypedEmitter } from '../../util/typed-emitter.ts';
import { deepgramClient, openSocket, trySend, type DeepgramConfig } from './client.ts';
import { DeepgramRestTtsSession } from './tts-rest.ts';

type SpeakSocket = Awaited<ReturnType<ReturnType<typeof deepgramClient>['speak']['v1']['connect']>>;

class DeepgramTtsSession extends TypedEmitter<TtsEvents> implements TtsSession {
  #sequence = -1;
  #inbox: Promise<void> = Promise.resolve();
  #closed = false;
  /** Deepgram numbers flushes from 0 per socket; ours are the same numbers. */
  #clearedUpTo = -1;

  constructor(readonly format: AudioFormat, private readonly socket: SpeakSocket) {
    super();
    socket.on('message', (message) => {
      this.#inbox = this.#inbox.then(() => this.#onMessage(message as unknown));
    });
    socket.on('error', (error) => this.emit('error', new Error(`Deepgram TTS socket error: ${error.message}`)));
    socket.on('close', (event) => { if (!this.#closed) this.emit('closed', { reason: `Deepgram closed the socket (${event.code})` }); });
  }

  speak(text: string): void {
    this.#send(() => this.socket.sendText({ type: 'Speak', text }));
  }

  flush(): number {
    this.#send(() => this.socket.sendFlush({ type: 'Flush' }));
    return ++this.#sequence;
  }

  clear(): void {
    this.#clearedUpTo = this.#sequence;
    this.#send(() => this.socket.sendClear({ type: 'Clear' }));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#send(() => this.socket.sendClose({ type: 'Close' }));
    this.#closed = true;
    this.socket.close();
    this.emit('closed', { reason: 'closed' });
    this.removeAllListeners();
  }

  #send(action: () => void): void {
    if (!this.#closed) trySend(action, 'TTS', (error) => this.emit('error', error));
  }

  async #onMessage(message: unknown): Promise<void> {
    if (this.#closed) return;
    if (message instanceof Blob || message instanceof ArrayBuffer || ArrayBuffer.isView(message)) {
      const bytes = message instanceof Blob ? new Uint8Array(await message.arrayBuffer()) : message instanceof ArrayBuffer ? new Uint8Array(message) : new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
      if (!this.#closed && bytes.length > 0) this.emit('audio', bytes);
      return;
    }
    const typed = message as { type?: string; sequence_id?: number; description?: string };
    if (typed.type === 'Flushed' && typeof typed.sequence_id === 'number' && typed.sequence_id > this.#clearedUpTo) {
      this.emit('flushed', { sequence: typed.sequence_id });
    } else if (typed.type === 'Warning') {
      this.emit('error', new Error(`Deepgram TTS warning: ${typed.description ?? 'unknown'}`));
    }
  }
}

export function createDeepgramTts(config: DeepgramConfig & { voice?: string }): TtsProvider {
  const client = deepgramClient(config);
  return {
    name: 'deepgram',
    async open(context: SessionContext, options: { format: AudioFormat; voice?: string }): Promise<TtsSession> {
      const { format } = options;
      const voice = options.voice?.startsWith('aura') ? options.voice : config.voice ?? 'aura-2-thalia-en';
      try {
        const socket = await client.speak.v1.connect({
          model: voice,
          encoding: format.encoding,
          sample_rate: String(format.sampleRateHz),
          reconnectAttempts: 0,
          abortSignal: context.signal,
        } as Parameters<typeof client.speak.v1.connect>[0]);
        await openSocket(socket, 'text-to-speech', context.signal);
        return new DeepgramTtsSession(format, socket);
      } catch (error) {
        // Deepgram answered but refused the socket (overloaded, 429/5xx): speak through REST, one request per
        // sentence. Unreachable altogether, or a wrong key: fail, and the registry hands the call to the offline voice.
        if (context.signal.aborted || !/\b(429|5\d\d)\b/.test((error as Error).message)) throw error;
        return new DeepgramRestTtsSession(format, client, voice);
      }
    },
  };
}
