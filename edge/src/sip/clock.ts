// The time SIP's timers run on (RFC 3261 §17 T1/T2, Timers E-K, RFC 4028 session expiry), injectable so tests run
// a 32 s Timer H in microseconds and read exact send times. ManualClock is the fake that sits beside it.

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds on a monotonic scale (only differences mean anything). */
  now(): number;
  setTimer(fn: () => void, delayMs: number): Timer;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(fn, delayMs) {
    const handle = setTimeout(fn, delayMs);
    return { cancel: () => clearTimeout(handle) };
  },
};

interface Pending {
  atMs: number;
  order: number;
  fn: () => void;
}

/** A clock that moves only when told: `advance` fires every timer due on the way, in time order. */
export class ManualClock implements Clock {
  #nowMs = 0;
  #order = 0;
  readonly #pending = new Set<Pending>();

  now(): number {
    return this.#nowMs;
  }

  setTimer(fn: () => void, delayMs: number): Timer {
    const entry: Pending = { atMs: this.#nowMs + Math.max(0, delayMs), order: this.#order++, fn };
    this.#pending.add(entry);
    return { cancel: () => { this.#pending.delete(entry); } };
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.#pending.size;
  }

  /** When the next timer fires, or null when none is set. */
  nextAtMs(): number | null {
    let next: Pending | null = null;
    for (const entry of this.#pending) if (!next || entry.atMs < next.atMs || (entry.atMs === next.atMs && entry.order < next.order)) next = entry;
    return next?.atMs ?? null;
  }

  advance(ms: number): void {
    const endMs = this.#nowMs + ms;
    for (;;) {
      const nextMs = this.nextAtMs();
      if (nextMs === null || nextMs > endMs) break;
      const due = [...this.#pending].filter((e) => e.atMs === nextMs).sort((a, b) => a.order - b.order)[0];
      this.#pending.delete(due);
      this.#nowMs = due.atMs;
      due.fn();
    }
    this.#nowMs = endMs;
  }
}
