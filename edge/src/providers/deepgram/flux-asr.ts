// Deepgram Flux (Listen v2, `/v2/listen`) through @deepgram/sdk: an ASR that models the caller's turn itself. Its
// TurnInfo events go out as `turn` for a turn detector that uses them; for a runtime that does not, Update is an
// interim transcript and EndOfTurn a final one (speech final) followed by `utteranceEnd`. The call's 20 ms frames
// are batched into the 80 ms chunks Flux recommends. A socket lost on its own is reported as `closed`, and the
// failover wrapper (resilience/failover-asr.ts) reconnects it or moves on, as for Listen v1.
import type { Deepgram } from '@deepgram/sdk';
import type { AsrEvents, AsrProvider, AsrSession, AsrTurnInfo, AudioFormat, SessionContext } from '../types.ts';
import { TypedEmitter } from '../../util/typed-emitter.ts';
import { AudioChunker } from './audio-chunker.ts';
import { closed, deepgramClient, openSocket, trySend, type DeepgramConfig } from './client.ts';

type FluxSocket = Awaited<ReturnType<ReturnType<typeof deepgramClient>['listen']['v2']['connect']>>;
type FluxConnectArgs = Parameters<ReturnType<typeof deepgramClient>['listen']['v2']['connect']>[0];
type TurnInfoMessage = Deepgram.listen.ListenV2TurnInfo;
type FatalErrorMessage = Deepgram.listen.ListenV2FatalError;

export interface FluxConfig extends DeepgramConfig {
  /** `flux-general-en` (default) or `flux-general-multi`; an agent's `asr.model` overrides it per session. */
  model?: string;
  /** The agent's `asr.flux` settings; unset ones take Deepgram's defaults. */
  eotThreshold?: number;
  eagerEotThreshold?: number;
  eotTimeoutMs?: number;
}

export const FLUX_DEFAULT_MODEL = 'flux-general-en';
/** Flux's recommended message size: 80 ms of audio. */
export const FLUX_CHUNK_MS = 80;

const TURN_EVENTS = new Set<string>(['StartOfTurn', 'Update', 'EagerEndOfTurn', 'TurnResumed', 'EndOfTurn']);
const SAMPLE_RATES_HZ = [8000, 16000, 24000, 44100, 48000];

const bytesPerSample = (format: AudioFormat) => (format.encoding === 'linear16' ? 2 : 1);
export const fluxChunkBytes = (format: AudioFormat) => (format.sampleRateHz * FLUX_CHUNK_MS / 1000) * bytesPerSample(format);

class DeepgramFluxSession extends TypedEmitter<AsrEvents> implements AsrSession {
  readonly finalizesOnRequestOnly = false;
  readonly #socket: FluxSocket;
  readonly #chunks: AudioChunker;
  readonly #silence: Uint8Array;
  #closed = false;
  /** The service's last Error message: the reason it then closed the socket. */
  #fatal = '';

  constructor(readonly format: AudioFormat, socket: FluxSocket) {
    super();
    this.#socket = socket;
    this.#chunks = new AudioChunker(fluxChunkBytes(format), (chunk) => this.#send((s) => s.sendMedia(chunk)));
    this.#silence = new Uint8Array(this.#chunks.chunkBytes).fill(format.encoding === 'mulaw' ? 0xff : format.encoding === 'alaw' ? 0xd5 : 0);
    socket.on('message', (message) => this.#onMessage(message as { type: string }));
    socket.on('error', (error) => this.emit('error', new Error(`Deepgram Flux socket error: ${error.message}`)));
    socket.on('close', (event) => {
      if (this.#closed) return;
      this.#closed = true;
      this.emit('closed', { reason: `Deepgram Flux socket closed (${event.code}${this.#fatal ? `, ${this.#fatal}` : ''})` });
    });
  }

  push(audio: Uint8Array): void {
    if (!this.#closed) this.#chunks.push(audio);
  }

  /**
   * Flux has no Finalize: it ends turns itself (EndOfTurn, at the latest after eot_timeout_ms of silence), and its
   * one forcing message, ForceEndTurn, needs server-side enablement without which the service closes the socket. So
   * finalize only sends the partial chunk at once, so that Flux hears the caller's last words without waiting for
   * the next 80 ms; the final transcript comes with the EndOfTurn that follows.
   */
  finalize(): void {
    if (!this.#closed) this.#chunks.flush();
  }

  /** Flux has no KeepAlive message: a line whose carrier stopped sending audio is sent the silence it stands for. */
  keepAlive(): void {
    if (this.#closed) return;
    this.#chunks.flush();
    this.#send((s) => s.sendMedia(this.#silence));
  }

  /** CloseStream after the last partial chunk lets Flux finish; it closes the socket itself, or we do after 2 s. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#chunks.flush();
    this.#send((s) => s.sendCloseStream({ type: 'CloseStream' }));
    this.#closed = true;
    await closed(this.#socket, 2000);
    this.#socket.close();
    this.emit('closed', { reason: 'closed' });
    this.removeAllListeners();
  }

  #send(action: (socket: FluxSocket) => void): void {
    if (!this.#closed) trySend(() => action(this.#socket), 'Flux ASR', (error) => this.emit('error', error));
  }

  #onMessage(message: { type: string }): void {
    if (message.type === 'TurnInfo') this.#onTurn(message as TurnInfoMessage);
    else if (message.type === 'Error') {
      const { code, description } = message as FatalErrorMessage;
      this.#fatal = `${code}: ${description}`;
      this.emit('error', new Error(`Deepgram Flux reported ${this.#fatal}`));
    } else if (message.type === 'ConfigureFailure') this.emit('error', new Error('Deepgram Flux refused a Configure message'));
  }

  #onTurn(message: TurnInfoMessage): void {
    // The event list is open: one added later is not ours to interpret.
    if (!TURN_EVENTS.has(message.event)) return;
    const turn: AsrTurnInfo = {
      event: message.event as AsrTurnInfo['event'],
      transcript: message.transcript,
      turnIndex: message.turn_index,
      endOfTurnConfidence: message.end_of_turn_confidence,
      audioWindowEndS: message.audio_window_end,
    };
    this.emit('turn', turn);
    if (turn.event === 'StartOfTurn') this.emit('speechStarted', { atS: message.audio_window_start });
    const isFinal = turn.event === 'EndOfTurn';
    if (isFinal || (turn.event === 'Update' && message.transcript)) {
      this.emit('transcript', {
        text: message.transcript,
        isFinal,
        speechFinal: isFinal,
        confidence: meanConfidence(message.words),
        language: message.languages?.[0],
        startS: message.audio_window_start,
        endS: message.audio_window_end,
      });
    }
    if (isFinal) this.emit('utteranceEnd', { lastWordEndS: message.words.at(-1)?.end ?? message.audio_window_end });
  }
}

function meanConfidence(words: TurnInfoMessage['words']): number {
  return words.length ? words.reduce((sum, word) => sum + word.confidence, 0) / words.length : 0;
}

function checkFormat(format: AudioFormat): void {
  if (!SAMPLE_RATES_HZ.includes(format.sampleRateHz)) {
    throw new Error(`Deepgram Flux does not take ${format.encoding} at ${format.sampleRateHz} Hz: use ${SAMPLE_RATES_HZ.join(', ')} Hz (telephone audio is mu-law 8000 Hz)`);
  }
}

export function createDeepgramFluxAsr(config: FluxConfig): AsrProvider {
  const client = deepgramClient(config);
  return {
    name: 'deepgram-flux',
    async open(context: SessionContext, options: { format: AudioFormat; model?: string }): Promise<AsrSession> {
      const { format } = options;
      checkFormat(format);
      const model = options.model ?? config.model ?? FLUX_DEFAULT_MODEL;
      // Only the multilingual model takes hints (the service refuses them otherwise): the agent's languages.
      const hints = model === 'flux-general-multi' && (context.languages?.length ?? 0) > 1 ? context.languages!.map((l) => l.split('-')[0]) : undefined;
      const socket = await client.listen.v2.connect({
        model,
        encoding: format.encoding,
        sample_rate: format.sampleRateHz,
        eot_threshold: config.eotThreshold,
        eager_eot_threshold: config.eagerEotThreshold,
        eot_timeout_ms: config.eotTimeoutMs,
        ...(hints ? { language_hint: hints } : {}),
        reconnectAttempts: 0,
        abortSignal: context.signal,
      } as FluxConnectArgs);
      try {
        await openSocket(socket, 'Flux transcription', context.signal);
      } catch (error) {
        // Deepgram answers a bad query with HTTP 400 at the upgrade; the WebSocket error carries only the status.
        if (!/\b400\b/.test((error as Error).message)) throw error;
        throw new Error(`Deepgram Flux refused the request (400): check asr.model ("${model}"; Flux has flux-general-en and flux-general-multi), the audio format (${format.encoding} ${format.sampleRateHz} Hz) and asr.flux (${JSON.stringify({ eotThreshold: config.eotThreshold, eagerEotThreshold: config.eagerEotThreshold, eotTimeoutMs: config.eotTimeoutMs })})`);
      }
      return new DeepgramFluxSession(format, socket);
    },
  };
}
