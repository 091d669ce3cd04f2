// A TTS provider with a phrase cache in front. Each flush is a job in order: a cached phrase is played from the
// cache (no provider request), anything else goes to the provider and its audio is stored when its flush comes
// back. A phrase memory lacks is read from the disk or the shared tier (S3) first; while a lookup is out, later jobs
// wait for it, so the provider always receives sentences in order. A cached phrase never overtakes audio still
// coming for an earlier flush.
import { TypedEmitter } from '../../util/typed-emitter.ts';
import type { AudioFormat, SessionContext, TtsEvents, TtsProvider, TtsSession } from '../types.ts';
import type { PhraseCache, PhraseKey } from './phrase-cache.ts';

/** Cached audio goes out in chunks like a provider's (100 ms of 8 kHz mu-law). */
const CHUNK_BYTES = 800;

interface Job {
  sequence: number;
  key: PhraseKey;
  /**
   * new: not yet decided; lookup: reading the disk or asking the shared tier; cached: audio in hand; sent: the
   * provider is making it.
   */
  state: 'new' | 'lookup' | 'cached' | 'sent';
  cached: Uint8Array | null;
  inner: number | null;
  audio: Uint8Array[];
}

class CachedTtsSession extends TypedEmitter<TtsEvents> implements TtsSession {
  #text = '';
  #sequence = -1;
  #jobs: Job[] = [];

  constructor(private readonly inner: TtsSession, private readonly cache: PhraseCache, private readonly keyBase: Omit<PhraseKey, 'text'>) {
    super();
    inner.on('audio', (audio) => this.#onInnerAudio(audio));
    inner.on('flushed', ({ sequence }) => this.#onInnerFlushed(sequence));
    inner.on('error', (error) => this.emit('error', error));
    inner.on('closed', (event) => this.emit('closed', event));
  }

  get format(): AudioFormat {
    return this.inner.format;
  }

  speak(text: string): void {
    this.#text += text;
  }

  flush(): number {
    const key = { ...this.keyBase, text: this.#text };
    this.#text = '';
    const sequence = ++this.#sequence;
    const cacheable = key.text.length <= this.cache.maxTextChars;
    const cached = cacheable ? this.cache.get(key) : null;
    this.#jobs.push({ sequence, key, state: cached ? 'cached' : 'new', cached, inner: null, audio: [] });
    this.#decide();
    queueMicrotask(() => this.#drainCached());
    return sequence;
  }

  clear(): void {
    this.#jobs = [];
    this.inner.clear();
  }

  async close(): Promise<void> {
    this.#jobs = [];
    await this.inner.close();
    this.removeAllListeners();
  }

  /** Decides new jobs in order: to the shared tier when it may have the phrase, else to the provider. */
  #decide(): void {
    for (const job of this.#jobs) {
      if (job.state === 'lookup') return; // everything after it waits, so the provider gets sentences in order
      if (job.state !== 'new') continue;
      if (this.cache.stored(job.key)) {
        job.state = 'lookup';
        void this.cache.fetchStored(job.key).then((audio) => {
          if (!this.#jobs.includes(job)) return; // cleared meanwhile
          job.cached = audio;
          job.state = audio ? 'cached' : 'new';
          if (!audio) this.#send(job);
          this.#decide();
          this.#drainCached();
        });
        return;
      }
      this.#send(job);
    }
  }

  #send(job: Job): void {
    job.state = 'sent';
    this.inner.speak(job.key.text);
    job.inner = this.inner.flush();
  }

  /** Plays cached jobs at the head of the queue; stops at the first one still being looked up or produced. */
  #drainCached(): void {
    while (this.#jobs[0]?.state === 'cached') {
      const job = this.#jobs.shift()!;
      for (let offset = 0; offset < job.cached!.length; offset += CHUNK_BYTES) this.emit('audio', job.cached!.subarray(offset, offset + CHUNK_BYTES));
      this.emit('flushed', { sequence: job.sequence });
    }
  }

  #onInnerAudio(audio: Uint8Array): void {
    const job = this.#jobs.find((j) => j.inner !== null);
    if (!job) return; // audio of a cleared flush
    job.audio.push(audio.slice());
    this.emit('audio', audio);
  }

  #onInnerFlushed(innerSequence: number): void {
    const index = this.#jobs.findIndex((j) => j.inner === innerSequence);
    if (index < 0) return;
    const [job] = this.#jobs.splice(index, 1);
    this.cache.set(job.key, Buffer.concat(job.audio));
    this.emit('flushed', { sequence: job.sequence });
    this.#drainCached();
  }
}

export function cachedTts(provider: TtsProvider, cache: PhraseCache): TtsProvider {
  return {
    name: provider.name,
    async open(context: SessionContext, options: { format: AudioFormat; voice?: string }): Promise<TtsSession> {
      const inner = await provider.open(context, options);
      return new CachedTtsSession(inner, cache, { provider: provider.name, voice: options.voice ?? 'default', encoding: options.format.encoding, sampleRateHz: options.format.sampleRateHz });
    },
  };
}
