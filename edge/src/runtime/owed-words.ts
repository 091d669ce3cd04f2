// Words the ASR still owes. After the caller speaks, the words so far are stale until a final that covers that speech
// comes: a witness that weighed them would judge the old words (the "…for" of "I want to book for | next Tuesday"
// would hold the turn again, for the whole hold, while the finished sentence is on its way). A witness that speaks
// meanwhile waits for the words, the strongest one kept (the dsp endpoint over the ASR's own signals), and is
// weighed when they come, or after a while without them (a cough gets no final).
import type { TurnSignal } from './turn-detector.ts';

/**
 * A final that comes this long after the caller's last speech frame covers all they said; one that comes sooner (a
 * final mid-utterance) may not hold their last words.
 */
const FINAL_COVERS_AFTER_MS = 150;
/** How long a witness waits for owed words before it is weighed on the words there are. */
const OWED_WORDS_WAIT_MS = 700;

export class OwedWords {
  readonly #weigh: (signal: TurnSignal) => void;
  #owed = false;
  #deferred: TurnSignal | null = null;
  #timer: NodeJS.Timeout | null = null;

  /** `weigh`: let the turn detector weigh a witness that waited (called once the words are in, or not owed). */
  constructor(weigh: (signal: TurnSignal) => void) {
    this.#weigh = weigh;
  }

  /** The caller made speech (a raw speech frame): its words are owed. */
  speech(): void {
    this.#owed = true;
  }

  /** A final came `msSinceSpeech` after the caller's last speech frame: does it cover what they said? */
  final(msSinceSpeech: number): boolean {
    const covers = msSinceSpeech >= FINAL_COVERS_AFTER_MS;
    if (covers) this.#owed = false;
    return covers;
  }

  /** A witness spoke: true when it must wait for owed words (it is weighed later). */
  defer(signal: TurnSignal): boolean {
    if (!this.#owed) return false;
    if (this.#deferred !== 'dsp-endpoint') this.#deferred = signal;
    this.#timer ??= setTimeout(() => this.settle(), OWED_WORDS_WAIT_MS);
    return true;
  }

  /** The owed words came (or did not come in time): the witness that waited is weighed now. */
  settle(): void {
    const signal = this.#deferred;
    this.reset();
    this.#owed = false;
    if (signal) this.#weigh(signal);
  }

  /** The turn was answered: no witness waits any more. */
  reset(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#deferred = null;
  }
}
