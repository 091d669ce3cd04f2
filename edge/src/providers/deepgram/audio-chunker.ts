// Batches a call's 20 ms frames into fixed-size chunks for engines that want fewer, larger messages (Deepgram Flux
// recommends 80 ms). The whole chunk is copied out, so a frame buffer its sender reuses cannot change what was sent.

export class AudioChunker {
  readonly #buffer: Uint8Array;
  #filledBytes = 0;

  constructor(readonly chunkBytes: number, private readonly send: (chunk: Uint8Array) => void) {
    if (!Number.isInteger(chunkBytes) || chunkBytes <= 0) throw new Error(`audio chunk size must be a positive whole number of bytes, got ${chunkBytes}`);
    this.#buffer = new Uint8Array(chunkBytes);
  }

  /** Audio not yet sent because its chunk is not full. */
  get bufferedBytes(): number {
    return this.#filledBytes;
  }

  push(audio: Uint8Array): void {
    let offset = 0;
    while (offset < audio.length) {
      const take = Math.min(this.chunkBytes - this.#filledBytes, audio.length - offset);
      this.#buffer.set(audio.subarray(offset, offset + take), this.#filledBytes);
      this.#filledBytes += take;
      offset += take;
      if (this.#filledBytes === this.chunkBytes) this.flush();
    }
  }

  /** Sends what is buffered, a partial chunk too (the caller paused, or the call ends). */
  flush(): void {
    if (this.#filledBytes === 0) return;
    const chunk = this.#buffer.slice(0, this.#filledBytes);
    this.#filledBytes = 0;
    this.send(chunk);
  }
}
