// Audio an ASR engine has heard but not yet finalized, kept so that a new engine (the same vendor reconnected, or
// the next in the chain) can hear it again and the caller's current words are not lost. Kept in 1 s blocks: holding
// the carrier's buffers would keep whole pooled slabs alive, and a block per second is one allocation where a frame
// each would be fifty. Bounded: past `maxSeconds` the oldest audio is dropped (and counted).

export class ReplayBuffer {
  readonly #bytesPerSecond: number;
  readonly #maxBytes: number;
  #blocks: Uint8Array[] = [];
  #bytes = 0;
  /** Bytes of the first block already acknowledged, and bytes written into the last. */
  #headOffset = 0;
  #tailUsed = 0;
  /** Session seconds up to which audio was acknowledged (where the kept audio starts). */
  #ackedS = 0;
  droppedBytes = 0;

  constructor(bytesPerSecond: number, maxSeconds = 30) {
    this.#bytesPerSecond = bytesPerSecond;
    this.#maxBytes = maxSeconds * bytesPerSecond;
  }

  /** Where the kept audio starts, in session seconds: a new engine's time 0. */
  get startS(): number {
    return this.#ackedS;
  }

  get seconds(): number {
    return this.#bytes / this.#bytesPerSecond;
  }

  keep(audio: Uint8Array): void {
    for (let offset = 0; offset < audio.length;) {
      let tail = this.#blocks.at(-1);
      if (!tail || this.#tailUsed === tail.length) {
        tail = new Uint8Array(this.#bytesPerSecond);
        this.#blocks.push(tail);
        this.#tailUsed = 0;
      }
      const n = Math.min(audio.length - offset, tail.length - this.#tailUsed);
      tail.set(n === audio.length ? audio : audio.subarray(offset, offset + n), this.#tailUsed);
      this.#tailUsed += n;
      offset += n;
    }
    this.#bytes += audio.length;
    const excess = this.#bytes - this.#maxBytes;
    if (excess > 0) {
      this.#forget(excess);
      this.droppedBytes += excess;
    }
  }

  /** A final result covers audio up to `endS` (session seconds): that audio need never be replayed. */
  acknowledge(endS: number): void {
    const bytes = Math.floor((endS - this.#ackedS) * this.#bytesPerSecond);
    if (bytes > 0) this.#forget(bytes);
  }

  /** Everything kept is covered (an engine that finalizes all it heard). */
  acknowledgeAll(): void {
    this.#forget(this.#bytes);
  }

  /** The audio to replay, oldest first. */
  audio(): Uint8Array[] {
    const last = this.#blocks.length - 1;
    return this.#blocks.map((block, i) => block.subarray(i === 0 ? this.#headOffset : 0, i === last ? this.#tailUsed : block.length))
      .filter((audio) => audio.length > 0);
  }

  clear(): void {
    this.#blocks = [];
    this.#bytes = 0;
    this.#headOffset = 0;
    this.#tailUsed = 0;
  }

  #forget(bytes: number): void {
    while (bytes > 0 && this.#blocks.length) {
      const head = this.#blocks[0];
      const end = this.#blocks.length === 1 ? this.#tailUsed : head.length;
      const n = Math.min(bytes, end - this.#headOffset);
      if (n <= 0) break;
      this.#headOffset += n;
      bytes -= n;
      this.#bytes -= n;
      this.#ackedS += n / this.#bytesPerSecond;
      if (this.#headOffset === head.length) {
        this.#blocks.shift();
        this.#headOffset = 0;
        if (this.#blocks.length === 0) this.#tailUsed = 0;
      }
    }
  }
}
