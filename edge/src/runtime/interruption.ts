// Is the caller cutting in, or only saying "uh-huh" (or coughing)? The agent cannot know within a breath, so it does
// what people do: it stops talking at once (pause), then listens. Words that are not a backchannel, or speech that
// goes on, commit the interruption (the reply is cancelled and the caller has the turn); a backchannel or a sound
// without words, followed by silence, resumes the reply where the caller stopped hearing it. Nothing can leave the
// caller in silence: every pause ends in a commit or a resume, at the latest `maxPendingMs` after it began.
// One word that its engine cannot vouch for (no confidence, as the offline engine gives, or a low one) does not
// commit by itself: such engines turn a cough or a "yeah" into "you". It waits for a second word, or for the dsp to
// hear the speech go on; if the burst ends short, the agent resumes.
import { isBackchannel } from './turn-text.ts';

export type InterruptionKind = 'barge-in' | 'continuation';

export interface InterruptionOptions {
  /** Speech this long (from onset) commits even before any words arrive. */
  sustainedSpeechMs: number;
  /** After the caller falls silent, words have this long to arrive before the agent resumes. */
  resumeGraceMs: number;
  /** Hard limit on a pause. */
  maxPendingMs: number;
  /** Duck the agent (quieter, still talking) at onset instead of silencing it; silence it only when needed. */
  duck: boolean;
  /** Ducked: caller speech still going this long after its onset silences the agent (a backchannel is shorter). */
  stopAfterMs: number;
}

/** Where in the caller's audio (ms of it the edge had received since the call began) a pause began and was decided. */
export interface AudioSpan {
  onsetMs: number;
  pausedMs: number;
}

export interface PendingInterruption {
  kind: InterruptionKind;
  onsetMs: number;
  pausedMs: number;
  /** The same two moments in caller audio: the detector's delay, free of how late frames arrived or replies went out. */
  audio: AudioSpan;
  /** The latest text heard during the pause (interim or final). */
  text: string;
  /** Final transcripts heard during the pause, in order: the start of the caller's turn if it commits. */
  finals: string[];
  /** `text` is one short word its engine did not vouch for (see isUnsureWord): not enough to commit on. */
  unsure: boolean;
  /** The agent is ducked, not silenced (yet): `pausedMs` is when it was ducked until it is silenced. */
  ducked: boolean;
}

export interface InterruptionHooks {
  /** Silence the agent now (carrier clear, outbound paused); also after a duck, when it must stop after all. */
  pause(pending: PendingInterruption): void;
  /** Lower the agent's voice now (options.duck); resume or pause follows. */
  duck?(pending: PendingInterruption): void;
  /** Caller audio received so far (ms): where in it a ducked agent was silenced. */
  audioNowMs?(): number;
  commit(pending: PendingInterruption, cause: 'words' | 'sustained-speech' | 'asr-speech'): void;
  resume(pending: PendingInterruption, kind: 'backchannel' | 'noise'): void;
}

/** Below this an engine's confidence (0-1) does not vouch for its words; the offline engine always gives 0. */
const SURE_CONFIDENCE = 0.5;
const SHORT_WORD_LETTERS = 6;

/** One short word with no or low confidence: what an engine that cannot tell a cough from speech makes of one. */
export function isUnsureWord(text: string, confidence: number): boolean {
  const words = normalizedWords(text);
  return words.length === 1 && words[0].length <= SHORT_WORD_LETTERS && !(confidence >= SURE_CONFIDENCE);
}

export const DEFAULT_INTERRUPTION_OPTIONS: InterruptionOptions = { sustainedSpeechMs: 1500, resumeGraceMs: 500, maxPendingMs: 4000, duck: false, stopAfterMs: 600 };

export class InterruptionArbiter {
  readonly #options: InterruptionOptions;
  readonly #hooks: InterruptionHooks;
  #pending: PendingInterruption | null = null;
  #grace: NodeJS.Timeout | null = null;
  #limit: NodeJS.Timeout | null = null;
  #callerSilent = false;

  constructor(hooks: InterruptionHooks, options: Partial<InterruptionOptions> = {}) {
    this.#hooks = hooks;
    this.#options = { ...DEFAULT_INTERRUPTION_OPTIONS, ...options };
  }

  get pending(): PendingInterruption | null {
    return this.#pending;
  }

  /** Caller speech began while the agent spoke (or was about to): pause and listen. */
  begin(kind: InterruptionKind, onsetMs: number, nowMs: number, audio: AudioSpan = { onsetMs: 0, pausedMs: 0 }): void {
    if (this.#pending) return;
    const ducked = this.#options.duck && kind === 'barge-in' && this.#hooks.duck !== undefined;
    this.#pending = { kind, onsetMs, pausedMs: nowMs, audio, text: '', finals: [], unsure: false, ducked };
    this.#callerSilent = false;
    if (ducked) this.#hooks.duck!(this.#pending);
    else this.#hooks.pause(this.#pending);
    this.#limit = setTimeout(() => this.#decideBySilence(), this.#options.maxPendingMs);
  }

  /**
   * A speech frame during the pause; `raw`: the VAD hears speech in this very frame (not its hangover). Ducked, raw
   * speech that is still going `stopAfterMs` after the onset is longer than a backchannel: the agent stops.
   */
  speech(nowMs: number, raw = true): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#clearGrace();
    this.#callerSilent = false;
    if (nowMs - pending.onsetMs >= this.#options.sustainedSpeechMs) this.#commit('sustained-speech');
    else if (pending.ducked && raw && nowMs - pending.onsetMs >= this.#options.stopAfterMs) this.#stop(nowMs);
  }

  /**
   * The agent's reply played to its end while it was ducked: nothing is left to pause or resume. Returns the
   * interruption (its words begin the caller's turn), or null when none was ducked.
   */
  agentFinished(): PendingInterruption | null {
    const pending = this.#pending;
    if (!pending?.ducked) return null;
    this.dispose();
    return pending;
  }

  /** The caller fell silent: give the words a moment to arrive, then resume if none that count did. */
  speechEnded(): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#clearGrace();
    this.#callerSilent = true;
    // Heard as a backchannel and now silent: resume at once rather than wait for the ASR's final word on it.
    if (pending.text && isBackchannel(pending.text)) {
      this.#decideBySilence();
      return;
    }
    this.#grace = setTimeout(() => this.#decideBySilence(), this.#options.resumeGraceMs);
  }

  /**
   * What the ASR heard during the pause, with its engine's confidence (0-1; 0 when it gives none). Returns false
   * when there is no pause to decide (the caller handles it).
   */
  transcript(text: string, isFinal: boolean, confidence = 1): boolean {
    const pending = this.#pending;
    if (!pending) return false;
    const trimmed = text.trim();
    if (isFinal && trimmed) pending.finals.push(trimmed);
    if (trimmed) {
      pending.text = isFinal ? pending.finals.join(' ') : [...pending.finals, trimmed].join(' ');
      pending.unsure = isUnsureWord(pending.text, confidence);
    }
    if (committingWords(pending)) this.#commit('words');
    // The ASR's final word on a burst that has ended: nothing more is coming, so no need to wait out the grace.
    else if (isFinal && this.#callerSilent) this.#decideBySilence();
    return true;
  }

  /** Commits at once: words arrived that could not wait for a pause (a late transcript while the agent spoke). */
  commitNow(kind: InterruptionKind, onsetMs: number, nowMs: number, text: string, audio?: AudioSpan): void {
    this.begin(kind, onsetMs, nowMs, audio);
    if (this.#pending) {
      this.#pending.finals.push(text);
      this.#pending.text = text;
    }
    this.#commit('asr-speech');
  }

  dispose(): void {
    this.#clearGrace();
    if (this.#limit) clearTimeout(this.#limit);
    this.#limit = null;
    this.#pending = null;
  }

  #decideBySilence(): void {
    const pending = this.#pending;
    if (!pending) return;
    if (committingWords(pending)) this.#commit('words');
    else this.#finish((p) => this.#hooks.resume(p, p.text && isBackchannel(p.text) ? 'backchannel' : 'noise'));
  }

  #commit(cause: 'words' | 'sustained-speech' | 'asr-speech'): void {
    // A ducked agent is still talking: it falls silent first (the carrier's buffer cleared), then the reply goes.
    this.#stop(performance.now());
    this.#finish((p) => this.#hooks.commit(p, cause));
  }

  /** Ducked until now: silence the agent (from here on it is an ordinary pause). */
  #stop(nowMs: number): void {
    const pending = this.#pending;
    if (!pending?.ducked) return;
    pending.ducked = false;
    pending.pausedMs = nowMs;
    const audioMs = this.#hooks.audioNowMs?.();
    if (audioMs !== undefined) pending.audio = { onsetMs: pending.audio.onsetMs, pausedMs: audioMs };
    this.#hooks.pause(pending);
  }

  #finish(report: (pending: PendingInterruption) => void): void {
    const pending = this.#pending;
    if (!pending) return;
    this.dispose();
    report(pending);
  }

  #clearGrace(): void {
    if (this.#grace) clearTimeout(this.#grace);
    this.#grace = null;
  }
}

/** Words that take the turn: not a backchannel, and more than one unsure word. */
function committingWords(pending: PendingInterruption): boolean {
  return Boolean(pending.text) && !isBackchannel(pending.text) && !pending.unsure;
}

/** Words the ASR heard that are mostly the agent's own recent words: its echo, not the caller. */
export function isEchoOf(heard: string, agentText: string): boolean {
  const words = normalizedWords(heard);
  if (words.length < 2 || !agentText) return false;
  const agentWords = new Set(normalizedWords(agentText));
  return words.filter((w) => agentWords.has(w)).length / words.length >= 0.7;
}

function normalizedWords(text: string): string[] {
  return text.toLowerCase().replace(/[^\p{L}\p{N}'\s-]/gu, ' ').split(/\s+/).filter(Boolean);
}
