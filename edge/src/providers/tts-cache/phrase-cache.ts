// Synthesized phrases (greetings, fillers, confirmations: anything short the agent says again) kept so the second
// time costs no provider request and no wait: in memory up to a byte bound (least recently used out first), on disk
// in the embedded default so a restarted node still has them, and in a shared store (S3) when one is configured so
// every node has what any node repeated. A phrase goes to disk and S3 only once it is asked for again: most of what
// an LLM says is said once, and a file write (and an S3 PUT) per sentence would cost every call's event loop and fill
// the disk with phrases nobody repeats, while a greeting or a filler is asked for again within minutes. The key is the
// provider, voice, audio format and exact text, hashed: another voice or format never gets this audio, so changing
// either is the invalidation. Only memory answers at once: the disk and S3 tiers are read asynchronously (a file read
// on the event loop stalls every call's audio), and which phrases are on disk is listed once at start, so a flush
// never asks the file system whether a file exists.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFile } from 'node:fs';
import { join } from 'node:path';
import { writeThenRename } from '../../util/atomic-write.ts';

export interface PhraseKey {
  provider: string;
  voice: string;
  encoding: string;
  sampleRateHz: number;
  text: string;
}

/** A store shared by nodes: slower than memory or disk, so it is asked asynchronously and may say nothing. */
export interface RemotePhraseStore {
  readonly name: string;
  /** The audio, or null when absent, slow or failing (never throws). */
  load(id: string): Promise<Uint8Array | null>;
  /** Best effort (never throws). */
  save(id: string, audio: Uint8Array, description: Record<string, string>): Promise<void>;
  close(): void;
}

export interface PhraseCacheOptions {
  /** Memory bound for cached audio. */
  maxBytes?: number;
  /** Folder for the disk copy; none: memory only. */
  dir?: string;
  /** Longer texts are not cached (a whole answer is rarely said twice). */
  maxTextChars?: number;
  /** The shared tier (S3), asked when memory and disk do not have a phrase. */
  remote?: RemotePhraseStore;
}

const AUDIO_SUFFIX = '.audio';
const hashedKeys = new WeakMap<PhraseKey, string>();

export class PhraseCache {
  /** `kept`: the phrase is on disk or S3 already (said again, or read from either). */
  readonly #memory = new Map<string, { audio: Uint8Array; kept: boolean }>();
  readonly #maxBytes: number;
  readonly #dir: string | null;
  /** Ids of the phrases in `#dir`: listed at start, added to as copies are written. */
  readonly #onDisk = new Set<string>();
  readonly maxTextChars: number;
  readonly remote: RemotePhraseStore | null;
  #bytes = 0;
  #tmpSeq = 0;
  /** Disk copies and S3 uploads in progress: they never hold up a call, but close() and tests wait for them. */
  readonly #writes = new Set<Promise<void>>();
  readonly stats = { hits: 0, misses: 0, stored: 0, remoteHits: 0, remoteMisses: 0 };

  constructor(options: PhraseCacheOptions = {}) {
    this.#maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
    this.maxTextChars = options.maxTextChars ?? 200;
    this.#dir = options.dir ?? null;
    this.remote = options.remote ?? null;
    if (this.#dir) {
      mkdirSync(this.#dir, { recursive: true });
      for (const name of readdirSync(this.#dir)) if (name.endsWith(AUDIO_SUFFIX)) this.#onDisk.add(name.slice(0, -AUDIO_SUFFIX.length));
    }
  }

  /** A flush asks memory, then may ask whether and where the phrase is stored, with the same key: hashed once. */
  static keyOf(key: PhraseKey): string {
    let id = hashedKeys.get(key);
    if (id === undefined) {
      id = createHash('sha256').update(JSON.stringify([key.provider, key.voice, key.encoding, key.sampleRateHz, key.text.trim()])).digest('hex');
      hashedKeys.set(key, id);
    }
    return id;
  }

  /** The phrase from memory, or null: then `stored(key)` says whether the disk or S3 may have it. */
  get(key: PhraseKey): Uint8Array | null {
    const id = PhraseCache.keyOf(key);
    const entry = this.#memory.get(id);
    if (!entry) {
      if (!this.#mayHave(id)) this.stats.misses++;
      return null;
    }
    this.#memory.delete(id); // most recently used last
    this.#memory.set(id, entry);
    this.stats.hits++;
    if (!entry.kept) {
      entry.kept = true; // asked for again: worth a disk copy and a place in the shared tier
      this.#keep(key, id, entry.audio, true);
    }
    return entry.audio;
  }

  /** Whether `fetchStored` may find a phrase memory lacks: it is on this node's disk, or a shared tier exists. */
  stored(key: PhraseKey): boolean {
    return key.text.trim() !== '' && key.text.length <= this.maxTextChars && this.#mayHave(PhraseCache.keyOf(key));
  }

  /** Reads a phrase memory did not have from the disk, else asks the shared tier; a hit is kept in memory too. */
  async fetchStored(key: PhraseKey): Promise<Uint8Array | null> {
    const id = PhraseCache.keyOf(key);
    if (this.#onDisk.has(id)) {
      const audio = await this.#readDisk(id);
      if (audio?.length) {
        this.stats.hits++;
        this.#remember(id, audio, true);
        return audio;
      }
      this.#onDisk.delete(id); // removed or unreadable: the next tier, then the provider, make it again
    }
    if (!this.remote) {
      this.stats.misses++;
      return null;
    }
    const audio = await this.remote.load(id);
    if (!audio?.length) {
      this.stats.remoteMisses++;
      this.stats.misses++;
      return null;
    }
    this.stats.remoteHits++;
    this.#remember(id, audio, true);
    this.#keep(key, id, audio, false);
    return audio;
  }

  set(key: PhraseKey, audio: Uint8Array): void {
    if (key.text.length > this.maxTextChars || audio.length === 0 || audio.length > this.#maxBytes / 4) return;
    this.stats.stored++;
    this.#remember(PhraseCache.keyOf(key), audio, false);
  }

  /** Resolves when every disk copy and S3 upload started so far has finished. */
  async settled(): Promise<void> {
    await Promise.all([...this.#writes]);
  }

  #background(write: Promise<void>): void {
    this.#writes.add(write);
    void write.finally(() => this.#writes.delete(write));
  }

  async close(): Promise<void> {
    await this.settled();
    this.remote?.close();
  }

  /**
   * Copies a phrase to disk, and to the shared tier when `share` (not when it came from there), after the current
   * loop turn: the phrase's audio goes out first. Off the event loop (a blocking write stalls every call's audio); a
   * full or read-only disk costs the disk copy only, memory still serves.
   */
  #keep(key: PhraseKey, id: string, audio: Uint8Array, share: boolean): void {
    this.#background(new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      const copies: Promise<void>[] = [];
      if (share && this.remote) {
        const { text, ...format } = key;
        copies.push(this.remote.save(id, audio, { ...Object.fromEntries(Object.entries(format).map(([k, v]) => [k, String(v)])), text }));
      }
      if (this.#dir && !this.#onDisk.has(id)) {
        const file = this.#file(id);
        const temporary = `${file}.${process.pid}.${++this.#tmpSeq}.tmp`;
        copies.push(writeThenRename(temporary, file, audio).then(() => { this.#onDisk.add(id); }, () => {}));
      }
      return Promise.all(copies).then(() => {});
    }));
  }

  #mayHave(id: string): boolean {
    return this.remote !== null || this.#onDisk.has(id);
  }

  #readDisk(id: string): Promise<Uint8Array | null> {
    return new Promise((resolve) => readFile(this.#file(id), (error, data) => resolve(error ? null : new Uint8Array(data.buffer, data.byteOffset, data.length))));
  }

  #remember(id: string, audio: Uint8Array, kept: boolean): void {
    const old = this.#memory.get(id);
    if (old) this.#bytes -= old.audio.length;
    this.#memory.delete(id);
    this.#memory.set(id, { audio, kept: kept || (old?.kept ?? false) });
    this.#bytes += audio.length;
    for (const [oldest, entry] of this.#memory) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#memory.delete(oldest);
      this.#bytes -= entry.audio.length;
    }
  }

  #file(id: string): string {
    return join(this.#dir!, `${id}${AUDIO_SUFFIX}`);
  }
}
