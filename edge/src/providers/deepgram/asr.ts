// Deepgram live ASR (Listen v1) through @deepgram/sdk: mu-law 8 kHz goes out as it arrives, Results come back as
// interim and final transcripts. KeepAlive when asked (a silent line); Finalize on the local endpoint; CloseStream
// at hang-up. A socket lost on its own is reported as `closed`: reconnecting, replaying the audio Deepgram had not
// finalized, and failing over to another engine are the failover wrapper's (resilience/failover-asr.ts).
import type { AsrEvents, AsrProvider, AsrSession, AudioFormat, SessionContext } from '../types.ts';
import { TypedEmitter } from '../../util/typed-emitter.ts';
import { closed, deepgramClient, openSocket, sendFailed, trySend, type DeepgramConfig } from './client.ts';

type ListenSocket = Awaited<ReturnType<ReturnType<typeof deepgramClient>['listen']['v1']['connect']>>;

interface ResultsMessage {
  type: 'Results';
  is_final?: boolean;
  speech_final?: boolean;
  start: number;
  duration: number;
  channel: { alternatives: { transcript: string; confidence: number; languages?: string[] }[] };
}

class DeepgramAsrSession extends TypedEmitter<AsrEvents> implements AsrSession {
  readonly finalizesOnRequestOnly = false;
  readonly #socket: ListenSocket;
  #closed = false;

  constructor(readonly format: AudioFormat, socket: ListenSocket) {
    super();
    this.#socket = socket;
    socket.on('message', (message) => this.#onMessage(message as { type: string }));
    socket.on('error', (error) => this.emit('error', new Error(`Deepgram ASR socket error: ${error.message}`)));
    socket.on('close', (event) => {
      if (this.#closed) return;
      this.#closed = true;
      this.emit('closed', { reason: `Deepgram ASR socket closed (${event.code})` });
    });
  }

  /** Audio to the socket, fifty times a second per call: without the closure #send takes. */
  push(audio: Uint8Array): void {
    if (this.#closed) return;
    try {
      this.#socket.sendMedia(audio);
    } catch (error) {
      this.emit('error', sendFailed('ASR', error));
    }
  }

  finalize(): void {
    this.#send((s) => s.sendFinalize({ type: 'Finalize' }));
  }

  keepAlive(): void {
    this.#send((s) => s.sendKeepAlive({ type: 'KeepAlive' }));
  }

  /** CloseStream lets Deepgram transcribe what it already has; it closes the socket itself, or we do after 2 s. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#send((s) => s.sendCloseStream({ type: 'CloseStream' }));
    this.#closed = true;
    await closed(this.#socket, 2000);
    this.#socket.close();
    this.emit('closed', { reason: 'closed' });
    this.removeAllListeners();
  }

  #send(action: (socket: ListenSocket) => void): void {
    if (!this.#closed) trySend(() => action(this.#socket), 'ASR', (error) => this.emit('error', error));
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
        language: best.languages?.[0],
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

export function createDeepgramAsr(config: DeepgramConfig & { model?: string; endpointingMs?: number; utteranceEndMs?: number }): AsrProvider {
  const client = deepgramClient(config);
  return {
    name: 'deepgram',
    async open(context: SessionContext, options: { format: AudioFormat; model?: string }): Promise<AsrSession> {
      const { format } = options;
      const multilingual = (context.languages?.length ?? 0) > 1;
      const socket = await client.listen.v1.connect({
        model: options.model ?? config.model ?? 'nova-3',
        // Several languages: Nova-3 multilingual, hinted with the agent's, tags each result with what it heard.
        language: multilingual ? 'multi' : context.language,
        ...(multilingual ? { queryParams: { language_hint: context.languages!.map((l) => l.split('-')[0]) } } : {}),
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
      return new DeepgramAsrSession(format, socket);
    },
  };
}
