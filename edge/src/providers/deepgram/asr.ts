// Deepgram live ASR (Listen v1) through @deepgram/sdk: mu-law 8 kHz goes out as it arrives, Results come back as
// interim and final transcripts. KeepAlive while the caller is silent; Finalize on the local endpoint; CloseStream
// at hang-up. A dropped socket is replaced, and the audio Deepgram had not finalized is replayed into the new one.
import type { AsrEvents, AsrProvider, AsrSession, AudioFormat, SessionContext } from '../types.ts';
import { TypedEmitter } from '../../util/typed-emitter.ts';
import { closed, deepgramClient, openSocket, sendFailed, trySend, type DeepgramConfig } from './client.ts';

// Deepgram closes a socket after about 10 s without audio or a KeepAlive; every 4 s keeps a silent line open.
const KEEPALIVE_MS = 4000;

type ListenSocket = Awaited<ReturnType<ReturnType<typeof deepgramClient>['listen']['v1']['connect']>>;

interface ResultsMessage {
  type: 'Results';
  is_final?: boolean;
  speech_final?: boolean;
  start: number;
  duration: number;
  channel: { alternatives: { transcript: string; confidence: number; languages?: string[] }[] };
}

/** Audio not yet covered by a final result is kept (up to this long) to replay into a new socket after a drop. */
const MAX_UNACKED_S = 30;
const RECONNECT_DELAYS_MS = [100, 400, 1600];

class DeepgramAsrSession extends TypedEmitter<AsrEvents> implements AsrSession {
  readonly finalizesOnRequestOnly = false;
  #socket: ListenSocket | null;
  #lastAudioMs = performance.now();
  readonly #keepAlive: NodeJS.Timeout;
  readonly #bytesPerSecond: number;
  /** Audio sent but not yet covered by a final result, oldest first, and where it starts (session seconds). */
  #unacked: Uint8Array[] = [];
  #unackedBytes = 0;
  /** Bytes of the first block already acknowledged, and bytes written into the last. */
  #headOffset = 0;
  #tailUsed = 0;
  #ackedS = 0;
  /** Session seconds at which the current socket's audio (its time 0) starts. */
  #socketOffsetS = 0;
  #finalizeAfterReconnect = false;
  #closed = false;
  /** Audio dropped because the unacknowledged buffer was full (the provider fell far behind). */
  droppedBytes = 0;

  constructor(readonly format: AudioFormat, socket: ListenSocket, private readonly reconnect: () => Promise<ListenSocket>, keepAliveMs: number) {
    super();
    this.#bytesPerSecond = format.sampleRateHz * (format.encoding === 'linear16' ? 2 : 1);
    this.#socket = socket;
    this.#attach(socket);
    this.#keepAlive = setInterval(() => {
      if (performance.now() - this.#lastAudioMs >= keepAliveMs) this.#send((s) => s.sendKeepAlive({ type: 'KeepAlive' }));
    }, keepAliveMs / 2);
  }

  push(audio: Uint8Array): void {
    if (this.#closed) return;
    this.#lastAudioMs = performance.now();
    this.#keep(audio);
    this.#sendMedia(audio);
  }

  finalize(): void {
    if (this.#socket) this.#send((s) => s.sendFinalize({ type: 'Finalize' }));
    else this.#finalizeAfterReconnect = true;
  }

  /** CloseStream lets Deepgram transcribe what it already has; it closes the socket itself, or we do after 2 s. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#send((s) => s.sendCloseStream({ type: 'CloseStream' }));
    this.#closed = true;
    clearInterval(this.#keepAlive);
    const socket = this.#socket;
    if (socket) {
      await closed(socket, 2000);
      socket.close();
    }
    this.emit('closed', { reason: 'closed' });
    this.removeAllListeners();
  }

  #attach(socket: ListenSocket): void {
    socket.on('message', (message) => { if (socket === this.#socket) this.#onMessage(message as { type: string }); });
    socket.on('error', (error) => { if (socket === this.#socket) this.emit('error', new Error(`Deepgram ASR socket error: ${error.message}`)); });
    socket.on('close', (event) => { if (socket === this.#socket && !this.#closed) void this.#recover(event.code); });
  }

  /** The socket dropped: open another and replay what Deepgram had not finalized, so no words are lost. */
  async #recover(code: number): Promise<void> {
    this.#socket = null;
    this.emit('error', new Error(`Deepgram ASR socket closed (${code}); reconnecting and replaying ${(this.#unackedBytes / this.#bytesPerSecond).toFixed(1)} s of audio`));
    for (const delayMs of RECONNECT_DELAYS_MS) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (this.#closed) return;
      try {
        const socket = await this.reconnect();
        if (this.#closed) { socket.close(); return; }
        this.#socket = socket;
        this.#socketOffsetS = this.#ackedS;
        this.#attach(socket);
        for (const audio of this.#unackedAudio()) this.#sendMedia(audio);
        if (this.#finalizeAfterReconnect) this.#send((s) => s.sendFinalize({ type: 'Finalize' }));
        this.#finalizeAfterReconnect = false;
        return;
      } catch (error) {
        this.emit('error', new Error(`Deepgram ASR reconnect failed: ${(error as Error).message}`));
      }
    }
    if (!this.#closed) this.emit('closed', { reason: `Deepgram ASR lost after ${RECONNECT_DELAYS_MS.length} reconnects` });
  }

  /**
   * Keeps a copy for a replay, in 1 s blocks: holding the carrier's buffers instead would keep whole pooled slabs
   * alive, and a block per second is one allocation where a frame each would be fifty. The blocks hold the
   * unacknowledged audio end to end, from #headOffset in the first to #tailUsed in the last.
   */
  #keep(audio: Uint8Array): void {
    for (let offset = 0; offset < audio.length;) {
      let tail = this.#unacked.at(-1);
      if (!tail || this.#tailUsed === tail.length) {
        tail = new Uint8Array(this.#bytesPerSecond);
        this.#unacked.push(tail);
        this.#tailUsed = 0;
      }
      const n = Math.min(audio.length - offset, tail.length - this.#tailUsed);
      tail.set(n === audio.length ? audio : audio.subarray(offset, offset + n), this.#tailUsed);
      this.#tailUsed += n;
      offset += n;
    }
    this.#unackedBytes += audio.length;
    const excess = this.#unackedBytes - MAX_UNACKED_S * this.#bytesPerSecond;
    if (excess > 0) {
      this.#forget(excess);
      this.droppedBytes += excess;
    }
  }

  /** The audio to replay, oldest first. */
  #unackedAudio(): Uint8Array[] {
    const last = this.#unacked.length - 1;
    return this.#unacked.map((block, i) => block.subarray(i === 0 ? this.#headOffset : 0, i === last ? this.#tailUsed : block.length))
      .filter((audio) => audio.length > 0);
  }

  /** A final result covers audio up to `endS` (session seconds): that audio need never be replayed. */
  #acknowledge(endS: number): void {
    const bytes = Math.floor((endS - this.#ackedS) * this.#bytesPerSecond);
    if (bytes > 0) this.#forget(bytes);
  }

  /** Drops the oldest `bytes` of the replay buffer (acknowledged, or over its bound). */
  #forget(bytes: number): void {
    while (bytes > 0 && this.#unacked.length) {
      const head = this.#unacked[0];
      const end = this.#unacked.length === 1 ? this.#tailUsed : head.length;
      const n = Math.min(bytes, end - this.#headOffset);
      if (n <= 0) break;
      this.#headOffset += n;
      bytes -= n;
      this.#unackedBytes -= n;
      this.#ackedS += n / this.#bytesPerSecond;
      if (this.#headOffset === head.length) {
        this.#unacked.shift();
        this.#headOffset = 0;
        if (this.#unacked.length === 0) this.#tailUsed = 0;
      }
    }
  }

  /** Audio to the socket, fifty times a second per call: without the closure #send takes. */
  #sendMedia(audio: Uint8Array): void {
    const socket = this.#socket;
    if (this.#closed || !socket) return;
    try {
      socket.sendMedia(audio);
    } catch (error) {
      this.emit('error', sendFailed('ASR', error));
    }
  }

  #send(action: (socket: ListenSocket) => void): void {
    const socket = this.#socket;
    if (!this.#closed && socket) trySend(() => action(socket), 'ASR', (error) => this.emit('error', error));
  }

  #onMessage(message: { type: string }): void {
    if (message.type === 'Results') {
      const results = message as ResultsMessage;
      const best = results.channel.alternatives[0];
      if (!best) return;
      const startS = this.#socketOffsetS + results.start;
      if (results.is_final) this.#acknowledge(startS + results.duration);
      this.emit('transcript', {
        text: best.transcript,
        isFinal: Boolean(results.is_final),
        speechFinal: Boolean(results.speech_final),
        confidence: best.confidence,
        language: best.languages?.[0],
        startS,
        endS: startS + results.duration,
      });
    } else if (message.type === 'SpeechStarted') {
      this.emit('speechStarted', { atS: this.#socketOffsetS + Number((message as { timestamp?: number }).timestamp ?? 0) });
    } else if (message.type === 'UtteranceEnd') {
      this.emit('utteranceEnd', { lastWordEndS: this.#socketOffsetS + Number((message as { last_word_end?: number }).last_word_end ?? 0) });
    }
  }
}

export function createDeepgramAsr(config: DeepgramConfig & { model?: string; endpointingMs?: number; utteranceEndMs?: number; keepAliveMs?: number }): AsrProvider {
  const client = deepgramClient(config);
  return {
    name: 'deepgram',
    async open(context: SessionContext, options: { format: AudioFormat; model?: string }): Promise<AsrSession> {
      const { format } = options;
      const multilingual = (context.languages?.length ?? 0) > 1;
      const connect = async () => {
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
        return socket;
      };
      return new DeepgramAsrSession(format, await connect(), connect, config.keepAliveMs ?? KEEPALIVE_MS);
    },
  };
}
