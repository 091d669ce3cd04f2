// When has the caller finished? Three witnesses, weighed per agent: the dsp endpoint (adaptive silence), the ASR's
// own end-of-speech signals (Deepgram speech_final after its short endpointing window, UtteranceEnd) and the words
// so far ("my number is nine eight four…" is not a finished turn, however long the pause). The fastest witness
// ends a turn whose words are complete; words that are not complete hold the turn open for a while, scaled by
// eagerness, and caller speech cancels the hold. "silence" mode is the classic fixed timeout, kept as a baseline.
import { assessTurnText } from './turn-text.ts';

export type TurnSignal = 'dsp-endpoint' | 'asr-speech-final' | 'asr-utterance-end' | 'asr-final' | 'silence-timeout';

export interface TurnDetectorOptions {
  mode: 'smart' | 'silence';
  /** 0 = patient, 1 = eager. */
  eagerness: number;
}

export interface TurnDetectorHooks {
  /** The turn is over: answer it. */
  end(cause: string): void;
  /** The words say the caller is not done; the turn stays open up to `holdMs` unless they speak again. */
  held(reason: string, holdMs: number): void;
}

/** Below this eagerness, the ASR's quick speech_final alone does not end a turn: the dsp endpoint must agree. */
const SPEECH_FINAL_MIN_EAGERNESS = 0.35;

export class TurnDetector {
  readonly #options: TurnDetectorOptions;
  readonly #hooks: TurnDetectorHooks;
  #hold: NodeJS.Timeout | null = null;

  constructor(options: TurnDetectorOptions, hooks: TurnDetectorHooks) {
    this.#options = options;
    this.#hooks = hooks;
  }

  get holding(): boolean {
    return this.#hold !== null;
  }

  /** The caller is speaking again: whatever was held is not over yet. */
  speech(): void {
    this.#cancelHold();
  }

  /**
   * An end-of-turn witness spoke. `text` is the caller's final text so far (non-empty: without words there is
   * nothing to answer, and the caller asks the ASR for them first).
   */
  signal(signal: TurnSignal, text: string): void {
    if (this.#options.mode === 'silence') {
      if (signal === 'silence-timeout' || signal === 'asr-final') this.#end(signal);
      return;
    }
    if (signal === 'silence-timeout') return;
    const assessment = assessTurnText(text);
    if (!assessment.complete) {
      if (this.#hold) return; // already held: the hold's own deadline decides
      const holdMs = Math.round(assessment.holdMs * (1.6 - this.#options.eagerness));
      this.#hooks.held(assessment.reason, holdMs);
      this.#hold = setTimeout(() => { this.#hold = null; this.#hooks.end(`hold expired (${assessment.reason})`); }, holdMs);
      return;
    }
    if (signal === 'asr-speech-final' && this.#options.eagerness < SPEECH_FINAL_MIN_EAGERNESS) return;
    this.#end(signal);
  }

  dispose(): void {
    this.#cancelHold();
  }

  #end(cause: string): void {
    this.#cancelHold();
    this.#hooks.end(cause);
  }

  #cancelHold(): void {
    if (this.#hold) clearTimeout(this.#hold);
    this.#hold = null;
  }
}
