// A fake ASR engine for tests: it hears audio (counted, kept) and says what the test tells it to, when the test
// tells it to. `finalize()` turns the pending interim words into a final transcript, like a streaming engine.
import { TypedEmitter } from '../../util/typed-emitter.ts';
import type { AsrEvents, AsrProvider, AsrSession, AsrTurnInfo, AudioFormat, SessionContext, TranscriptEvent } from '../types.ts';
import { FakeProvider } from './fake-provider.ts';

export class FakeAsrSession extends TypedEmitter<AsrEvents> implements AsrSession {
  readonly format: AudioFormat;
  readonly finalizesOnRequestOnly: boolean;
  /** Every chunk pushed, in order (copies). */
  readonly heard: Uint8Array[] = [];
  heardBytes = 0;
  finalizeCalls = 0;
  closed = false;
  #interim = '';

  constructor(format: AudioFormat, options: { finalizesOnRequestOnly?: boolean } = {}) {
    super();
    this.format = format;
    this.finalizesOnRequestOnly = options.finalizesOnRequestOnly ?? false;
  }

  push(audio: Uint8Array): void {
    if (this.closed) return;
    this.heard.push(audio.slice());
    this.heardBytes += audio.length;
  }

  finalize(): void {
    this.finalizeCalls++;
    if (!this.#interim) return;
    const text = this.#interim;
    this.#interim = '';
    this.emit('transcript', { text, isFinal: true, speechFinal: false, confidence: 0.9 });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.emit('closed', { reason: 'closed by the caller' });
  }

  /** Interim words: kept until a final or finalize(). */
  interim(text: string): void {
    this.#interim = text;
    this.emit('transcript', { text, isFinal: false, speechFinal: false, confidence: 0.5 });
  }

  /** Final words; `speechFinal`: the engine also believes the caller finished. */
  final(text: string, options: { speechFinal?: boolean; language?: string } = {}): void {
    this.#interim = '';
    this.emit('transcript', { text, isFinal: true, speechFinal: options.speechFinal ?? true, confidence: 0.9, language: options.language });
  }

  /** A transcript exactly as given (with its timing, say). */
  result(event: TranscriptEvent): void {
    this.emit('transcript', event);
  }

  /** A turn event, as Deepgram Flux sends them. */
  turn(info: AsrTurnInfo): void {
    this.emit('turn', info);
  }

  utteranceEnd(): void {
    this.emit('utteranceEnd', { lastWordEndS: 0 });
  }

  /** The engine is lost: an error, then closed. */
  fail(message = 'fake ASR lost'): void {
    this.emit('error', new Error(message));
    this.closed = true;
    this.emit('closed', { reason: message });
  }
}

export class FakeAsrProvider extends FakeProvider<FakeAsrSession> implements AsrProvider {
  constructor(readonly name = 'fake-asr', private readonly options: { finalizesOnRequestOnly?: boolean; openDelayMs?: number } = {}) {
    super();
  }

  async open(_context: SessionContext, options: { format: AudioFormat }): Promise<AsrSession> {
    if (this.options.openDelayMs) await new Promise((r) => setTimeout(r, this.options.openDelayMs));
    return this.record(() => new FakeAsrSession(options.format, this.options));
  }
}
