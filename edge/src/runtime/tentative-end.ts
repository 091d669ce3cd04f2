// When the caller's turn *may* be over, for agents that prepare their reply before it is confirmed (turn.speculative).
// A short pause after speech is a tentative end: the ASR is asked for its final words at once (Deepgram's Finalize)
// instead of after its own endpointing window, and complete words heard in that pause let the agent start its LLM
// request and first TTS audio. Having finalized early, the ASR will not send its speech_final for this pause, so the
// window it would have waited (the endpointing it is configured with) is measured here and reported in its place
// once both the window has passed and the words are in, as speech_final would have come: the turn detector weighs it
// exactly as it weighs speech_final (an eager agent ends the turn on it, a patient one waits for the dsp endpoint).
// Speech that resumes withdraws the prepared reply.
import { assessTurnText } from './turn-text.ts';

/**
 * Silence after speech that is a tentative end: the dsp's own end of speech (its VAD hangover). Shorter pauses
 * occur inside sentences (100-150 ms between phrases is common), and asking the ASR for final words there would cut
 * the sentence in two and prepare replies to half of it.
 */
export const TENTATIVE_END_MS = 200;
/** The ASR's endpointing window (the `endpointing` Deepgram is opened with, providers/deepgram/asr.ts). */
export const ASR_ENDPOINTING_MS = 300;
/** Speech that resumes for this long withdraws a prepared reply (a click or a lip smack does not). */
const RESUMED_SPEECH_MS = 60;

export interface TentativeEndHooks {
  /** May the agent prepare a reply now (listening, nothing being answered, the call not over)? */
  listening(): boolean;
  /** Ask the ASR for its final words now. */
  finalize(): void;
  /** The ASR's endpointing window passed in silence after an early finalize: weigh it as its speech_final. */
  windowPassed(): void;
  /** Complete words, the caller silent: prepare the reply to `text`. */
  mayEnd(text: string): void;
  /** The caller went on after mayEnd: withdraw the prepared reply. */
  goesOn(reason: string): void;
}

export class TentativeEnd {
  readonly #hooks: TentativeEndHooks;
  /** off: no speech since the last answered turn; armed: speech heard; then finalized, then windowed, per pause. */
  #watch: 'off' | 'armed' | 'finalized' | 'windowed' = 'off';
  #silentMs = 0;
  #speechRunMs = 0;
  #speculatedOn = '';

  constructor(hooks: TentativeEndHooks) {
    this.#hooks = hooks;
  }

  /** The ASR's endpointing window has passed in this pause (after an early finalize). */
  get windowPassed(): boolean {
    return this.#watch === 'windowed';
  }

  /** The caller is silent now (no raw speech frame for a while): words may be weighed. */
  get silent(): boolean {
    return this.#watch !== 'off' && this.#silentMs >= TENTATIVE_END_MS;
  }

  /** One analysed 20 ms frame: raw speech or not. */
  frame(speech: boolean, frameMs: number): void {
    if (speech) {
      this.#speechRunMs += frameMs;
      this.#silentMs = 0;
      if (this.#watch !== 'off') this.#watch = 'armed';
      if (this.#speechRunMs >= RESUMED_SPEECH_MS) this.withdraw('the caller went on');
      return;
    }
    this.#speechRunMs = 0;
    if (this.#watch === 'off') return;
    this.#silentMs += frameMs;
    if (this.#watch === 'armed' && this.#silentMs >= TENTATIVE_END_MS) {
      this.#watch = 'finalized';
      if (this.#hooks.listening()) this.#hooks.finalize();
    } else if (this.#watch === 'finalized' && this.#silentMs >= ASR_ENDPOINTING_MS) {
      this.#watch = 'windowed';
      if (this.#hooks.listening()) this.#hooks.windowPassed();
    }
  }

  /** The dsp heard the caller begin to speak: a turn is under way. */
  speechStarted(): void {
    this.#watch = 'armed';
    this.#silentMs = 0;
  }

  /** The caller's final words so far; `held`: the turn detector holds the turn open (the words are not done). */
  words(text: string, held: boolean): void {
    if (!this.silent || held || !text || text === this.#speculatedOn || !this.#hooks.listening()) return;
    if (!assessTurnText(text).complete) return;
    this.#speculatedOn = text;
    this.#hooks.mayEnd(text);
  }

  /**
   * An ASR that models turns says the caller may be done (Deepgram Flux's EagerEndOfTurn): prepare on `text` now,
   * whatever the pause so far; its TurnResumed withdraws, its EndOfTurn confirms.
   */
  eager(text: string): void {
    if (!text || text === this.#speculatedOn || !this.#hooks.listening() || !assessTurnText(text).complete) return;
    this.withdraw('the words changed');
    this.#speculatedOn = text;
    this.#hooks.mayEnd(text);
  }

  withdraw(reason: string): void {
    if (!this.#speculatedOn) return;
    this.#speculatedOn = '';
    this.#hooks.goesOn(reason);
  }

  /** The turn was answered (with the prepared reply, or a fresh one when the words differ): start over. */
  turnAnswered(): void {
    this.#speculatedOn = '';
    this.#watch = 'off';
  }
}
