// ASR over the provider-stream protocol: audio frames out, transcripts in. `finalize` and `close` are controls.
import { TypedEmitter } from '../../util/typed-emitter.ts';
import type { AsrEvents, AsrProvider, AsrSession, AudioFormat, SessionContext } from '../types.ts';
import { openStream, type StreamSocket } from './stream-socket.ts';

class StreamAsrSession extends TypedEmitter<AsrEvents> implements AsrSession {
  readonly finalizesOnRequestOnly: boolean;
  #closed = false;

  constructor(readonly format: AudioFormat, private readonly socket: StreamSocket, finalizesOnRequestOnly: boolean) {
    super();
    this.finalizesOnRequestOnly = finalizesOnRequestOnly;
    socket.onFrame((frame) => {
      if (frame.transcript) {
        const t = frame.transcript;
        this.emit('transcript', { text: t.text ?? '', isFinal: Boolean(t.isFinal), speechFinal: Boolean(t.speechFinal), confidence: t.confidence ?? 0 });
      } else if (frame.error) {
        this.emit('error', new Error(`provider stream ASR engine: ${frame.error.message}`));
      }
    });
    socket.onClose((reason) => { if (!this.#closed) this.emit('closed', { reason }); });
  }

  push(audio: Uint8Array): void {
    if (!this.#closed) this.socket.send({ audio: { payload: audio } });
  }

  finalize(): void {
    if (!this.#closed) this.socket.send({ control: { command: 'finalize' } });
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

/**
 * `finalizesOnRequestOnly`: the engine transcribes only when asked (`finalize`), like a batch recognizer; the
 * runtime then sends it speech only and asks at every pause.
 */
export function createStreamAsr(config: { url: string; finalizesOnRequestOnly?: boolean }): AsrProvider {
  return {
    // The engine's host names the provider: two engines never share phrase-cache entries or metrics.
    name: `stream:${new URL(config.url).host}`,
    async open(context: SessionContext, options: { format: AudioFormat }): Promise<AsrSession> {
      const socket = await openStream(config.url, { kind: 'asr', encoding: options.format.encoding, sampleRateHz: options.format.sampleRateHz, language: context.language }, context.signal);
      return new StreamAsrSession(options.format, socket, config.finalizesOnRequestOnly ?? false);
    },
  };
}
