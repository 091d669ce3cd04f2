// One 20 ms clock for the whole node: every call's outbound audio is drained from a single tick, not a timer per call.
import type { OutboundAudio } from './outbound-audio.ts';

export class Pacer {
  readonly #outbound = new Set<OutboundAudio>();
  #timer: NodeJS.Timeout | null = null;
  #nextTickMs = 0;

  constructor(readonly frameMs = 20, readonly leadMs = 60) {}

  add(audio: OutboundAudio): void {
    this.#outbound.add(audio);
    if (!this.#timer) {
      this.#nextTickMs = performance.now();
      this.#schedule();
    }
  }

  remove(audio: OutboundAudio): void {
    this.#outbound.delete(audio);
    if (this.#outbound.size === 0) this.stop();
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  get size(): number {
    return this.#outbound.size;
  }

  #schedule(): void {
    // Deadlines advance by exactly one frame, so timer lateness does not accumulate into drift.
    this.#nextTickMs += this.frameMs;
    const delayMs = Math.max(0, this.#nextTickMs - performance.now());
    this.#timer = setTimeout(() => this.#tick(), delayMs);
  }

  #tick(): void {
    const nowMs = performance.now();
    if (nowMs - this.#nextTickMs > 1000) this.#nextTickMs = nowMs; // the loop was blocked: do not try to catch up a second
    for (const audio of this.#outbound) audio.tick(nowMs, this.leadMs);
    if (this.#outbound.size > 0) this.#schedule();
    else this.#timer = null;
  }
}
