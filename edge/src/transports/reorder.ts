// Restores the order of media a carrier may deliver out of order (Telnyx): frames are held until the next expected
// one arrives; when more than `window` are held, the missing one is given up on (20 ms each: a bounded delay).

export class MediaReorderer {
  readonly #held = new Map<number, Uint8Array>();
  #next: number | null = null;
  /** Frames that arrived after their place had been given up on, or twice. */
  dropped = 0;

  constructor(readonly window = 3) {}

  push(sequence: number, payload: Uint8Array, deliver: (payload: Uint8Array) => void): void {
    if (this.#next === null) this.#next = sequence;
    if (sequence < this.#next || this.#held.has(sequence)) {
      this.dropped++;
      return;
    }
    this.#held.set(sequence, payload);
    this.#release(deliver);
    if (this.#held.size > this.window) {
      this.#next = Math.min(...this.#held.keys());
      this.#release(deliver);
    }
  }

  #release(deliver: (payload: Uint8Array) => void): void {
    for (let payload = this.#held.get(this.#next!); payload; payload = this.#held.get(this.#next!)) {
      this.#held.delete(this.#next!);
      this.#next! += 1;
      deliver(payload);
    }
  }
}
