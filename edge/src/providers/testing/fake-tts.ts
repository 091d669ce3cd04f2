// A fake TTS engine for tests: each flushed text becomes `msPerCharacter` of audio per character (silence in the
// session's format), delivered in 20 ms chunks after `firstByteMs`, then `flushed`. clear() drops what is pending.
import { TypedEmitter } from '../../util/typed-emitter.ts';
import type { AudioFormat, SessionContext, TtsEvents, TtsProvider, TtsSession } from '../types.ts';
import { FakeProvider } from './fake-provider.ts';

export interface FakeTtsOptions {
  firstByteMs?: number;
  msPerCharacter?: number;
}

export class FakeTtsSession extends TypedEmitter<TtsEvents> implements TtsSession {
  readonly format: AudioFormat;
  /** Every text flushed, in order. */
  readonly spoken: string[] = [];
  closed = false;
  clears = 0;
  #queued = '';
  #sequence = 0;
  #timers = new Set<NodeJS.Timeout>();

  constructor(format: AudioFormat, private readonly options: FakeTtsOptions = {}, readonly voice = '') {
    super();
    this.format = format;
  }

  speak(text: string): void {
    this.#queued += text;
  }

  flush(): number {
    const sequence = this.#sequence++;
    const text = this.#queued;
    this.#queued = '';
    this.spoken.push(text);
    const bytesPerMs = (this.format.sampleRateHz / 1000) * (this.format.encoding === 'linear16' ? 2 : 1);
    const totalBytes = Math.round(text.length * (this.options.msPerCharacter ?? 20) * bytesPerMs);
    const chunk = Math.round(20 * bytesPerMs);
    const fill = this.format.encoding === 'mulaw' ? 0xff : this.format.encoding === 'alaw' ? 0xd5 : 0;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (this.closed) return;
      for (let sent = 0; sent < totalBytes; sent += chunk) this.emit('audio', new Uint8Array(Math.min(chunk, totalBytes - sent)).fill(fill));
      this.emit('flushed', { sequence });
    }, this.options.firstByteMs ?? 5);
    this.#timers.add(timer);
    return sequence;
  }

  clear(): void {
    this.clears++;
    this.#queued = '';
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.clear();
    this.closed = true;
    this.emit('closed', { reason: 'closed by the caller' });
  }

  /** The engine is lost: an error, then closed. */
  fail(message = 'fake TTS lost'): void {
    this.clear();
    this.emit('error', new Error(message));
    this.closed = true;
    this.emit('closed', { reason: message });
  }
}

export class FakeTtsProvider extends FakeProvider<FakeTtsSession> implements TtsProvider {
  constructor(readonly name = 'fake-tts', private readonly options: FakeTtsOptions = {}) {
    super();
  }

  async open(_context: SessionContext, options: { format: AudioFormat; voice?: string }): Promise<TtsSession> {
    return this.record(() => new FakeTtsSession(options.format, this.options, options.voice ?? ''));
  }
}
