// Deepgram live ASR (Listen v1) through @deepgram/sdk: mu-law 8 kHz goes out as it arrives, Results come back as
// interim and final transcripts. KeepAlive while the caller is silent; Finalize on the local endpoint; CloseStream
// at hang-up.
import type { AsrEvents, AsrProvider, AsrSession, AudioFormat, SessionContext } from '../types.ts';
import { TypedEmitter } from '../../util/typed-emitter.ts';
import { closed, deepgramClient, openSocket, trySend, type DeepgramConfig } from './client.ts';

// Deepgram closes a socket after about 10 s without audio or a KeepAlive; every 4 s keeps a silent line open.
const KEEPALIVE_MS = 4000;

type ListenSocket = Awaited<ReturnType<ReturnType<typeof deepgramClient>['listen']['v1']['connect']>>;

interface ResultsMessage {
  type: 'Results';
  is_final?: boolean;
  speech_final?: boolean;
  start: number;
  duration: number;
  channel: { alternatives: { transcript: string; confidence: number }[] };
}

class DeepgramAsrSession extends TypedEmitter<AsrEvents> implements AsrSession {
  readonly finalizesOnRequestOnly = false;
  #lastAudioMs = performance.now();
  readonly #keepAlive: NodeJS.Timeout;
  #closed = false;

  constructor(readonly format: AudioFormat, private readonly socket: ListenSocket, keepAliveMs: number) {
    super();
    socket.on('message', (message) => this.#onMessage(message as { type: string }));
    socket.on('error', (error) => this.emit('error', new Error(`Deepgram ASR socket error: ${error.message}`)));
    socket.on('close', (event) => { if (!this.#closed) this.emit('closed', { reason: `Deepgram closed the socket (${event.code})` }); });
    this.#keepAlive = setInterval(() => {
      if (performance.now() - this.#lastAudioMs >= keepAliveMs) this.#send(() => this.socket.sendKeepAlive({ type: 'KeepAlive' }));
    }, keepAliveMs / 2);
  }

  push(audio: Uint8Array): void {
    if (this.#closed) return;
    this.#lastAudioMs = performance.now();
    this.#send(() => this.socket.sendMedia(audio));
  }

  finalize(): void {
    this.#send(() => this.socket.sendFinalize({ type: 'Finalize' }));
  }

  /** CloseStream lets Deepgram transcribe what it already has; it closes the socket itself, or we do after 2 s. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#send(() => this.socket.sendCloseStream({ type: 'CloseStream' }));
    this.#closed = true;
    clearInterval(this.#keepAlive);
    await closed(this.socket, 2000);
    this.socket.close();
    this.emit('closed', { reason: 'closed' });
    this.removeAllListeners();
  }

  #send(action: () => void): void {
    if (!this.#closed) trySend(action, 'ASR', (error) => this.emit('error', error));
  }

  #onMessage(message: { type: string }): void {
    if (message.type === 'Results') {
      const results = message as ResultsMessage;
      const best = results.channel.alternatives[0];
      if (!best) return;
      this.emit('transcript', {
        text: best.transcript,
        isFinal: Boolean(results.is_final),
        speechFinal: Boolean(results.speech_final),
        confidence: best.confidence,
        startS: results.start,
        endS: results.start + results.duration,
      });
    } else if (message.type === 'SpeechStarted') {
      this.emit('speechStarted', { atS: Number((message as { timestamp?: number }).timestamp ?? 0) });
    } else if (message.type === 'UtteranceEnd') {
      this.emit('utteranceEnd', { lastWordEndS: Number((message as { last_word_end?: number }).last_word_end ?? 0) });
    }
  }
}

export function createDeepgramAsr(config: DeepgramConfig & { model?: string; endpointingMs?: number; utteranceEndMs?: number; keepAliveMs?: number }): AsrProvider {
  const client = deepgramClient(config);
  return {
    name: 'deepgram',
    async open(context: SessionContext, options: { format: AudioFormat; model?: string }): Promise<AsrSession> {
      const { format } = options;
      const socket = await client.listen.v1.connect({
        model: options.model ?? config.model ?? 'nova-3',
        language: context.language,
        encoding: format.encoding,
        sample_rate: String(format.sampleRateHz),
        channels: '1',
        interim_results: 'true',
        punctuate: 'true',
        smart_format: 'true',
        endpointing: String(config.endpointingMs ?? 300),
        utterance_end_ms: String(config.utteranceEndMs ?? 1000),
        vad_events: 'true',
        reconnectAttempts: 0,
        abortSignal: context.signal,
      } as Parameters<typeof client.listen.v1.connect>[0]);
      await openSocket(socket, 'live transcription', context.signal);
      return new DeepgramAsrSession(format, socket, config.keepAliveMs ?? KEEPALIVE_MS);
    },
  };
}
