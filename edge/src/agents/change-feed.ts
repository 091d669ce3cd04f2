// Follows control's change feed (/internal/changes) so cached agent and number look-ups are dropped within one poll
// of an edit. On PostgreSQL a sequence number is taken before its transaction commits, so change 12 can be
// visible before change 11: a missing number is kept as a gap and asked for again until it appears (or is given
// up on after `gapTimeoutMs`, as a transaction that rolled back leaves a gap for ever).

export interface Change { seq: number; tenantId: string; kind: 'agent' | 'number'; key: string }

export interface ChangeFeedOptions {
  /** GET /internal/changes?since=N → { changes, latest } (throws when control cannot answer). */
  read(since: number): Promise<{ changes: Change[]; latest: number }>;
  /** Called for every change, once; `reset` when control's feed went backwards (a new database): drop everything. */
  onChange(change: Change | 'reset'): void;
  gapTimeoutMs?: number;
  now?: () => number;
}

/** Past this many missing numbers at once, the gaps are not tracked (a bulk import, not a race). */
const MAX_GAPS = 1000;

export class ChangeFeed {
  readonly #options: ChangeFeedOptions;
  /** Every change up to here was seen or given up on; null until the first poll set the baseline. */
  #since: number | null = null;
  /** Sequence numbers seen beyond `since` (only while there are gaps below them). */
  readonly #seen = new Set<number>();
  /** Missing sequence number → when it was first missed. */
  readonly #gaps = new Map<number, number>();

  constructor(options: ChangeFeedOptions) {
    this.#options = options;
  }

  get baselined(): boolean {
    return this.#since !== null;
  }

  /** One poll. The first only learns where the feed is (nothing before it concerns a cache filled after it). */
  async poll(): Promise<void> {
    const now = (this.#options.now ?? Date.now)();
    if (this.#since === null) {
      this.#since = (await this.#options.read(Number.MAX_SAFE_INTEGER)).latest;
      return;
    }
    const from = this.#since;
    const { changes, latest } = await this.#options.read(from);
    if (latest < from) { // control's feed restarted: whatever we hold may be stale
      this.#options.onChange('reset');
      this.#since = latest;
      this.#seen.clear();
      this.#gaps.clear();
      return;
    }
    let highest = from;
    for (const change of changes) {
      highest = Math.max(highest, change.seq);
      if (this.#seen.has(change.seq)) continue;
      this.#seen.add(change.seq);
      this.#gaps.delete(change.seq);
      this.#options.onChange(change);
    }
    if (highest - from <= MAX_GAPS) {
      for (let seq = from + 1; seq < highest; seq++) if (!this.#seen.has(seq) && !this.#gaps.has(seq)) this.#gaps.set(seq, now);
    }
    for (const [seq, sinceMs] of this.#gaps) if (now - sinceMs > (this.#options.gapTimeoutMs ?? 10_000)) this.#gaps.delete(seq);
    const settled = this.#gaps.size ? Math.min(...this.#gaps.keys()) - 1 : highest;
    this.#since = Math.max(from, settled);
    for (const seq of this.#seen) if (seq <= this.#since) this.#seen.delete(seq);
  }
}
