// Which language the caller speaks, for agents that allow several: the ASR's own per-result language when it gives
// one (Deepgram `language=multi`), else the words of the final transcript (tinyld). A switch moves the agent's voice
// and tells the LLM, so it needs clear evidence: four words at least, an agent's language at least half as likely as
// any language, and the language the call is in under half of that (a near tie keeps the current language).
import type { AgentConfig } from '../agents/types.ts';

/**
 * tinyld is loaded only once an agent speaks several languages: its models are 8 MB of JS heap that every full
 * garbage collection on the node would mark (a pause for every call) though a one-language node never asks it.
 */
let detectAll: typeof import('tinyld').detectAll | null = null;
let loading: Promise<void> | null = null;
export function loadLanguageDetection(): Promise<void> {
  loading ??= import('tinyld').then((tinyld) => { detectAll = tinyld.detectAll; }, (error: Error) => {
    loading = null; // the next multilingual call tries again
    throw new Error(`language detection (tinyld) could not be loaded: ${error.message}`);
  });
  return loading;
}

/** Resolves once a call of this agent can be started: at once, or when language detection is loaded for it. */
export function languagesReady(agent: AgentConfig): Promise<void> {
  return agentLanguages(agent).length > 1 ? loadLanguageDetection() : Promise.resolve();
}

/** Aura-2 voices used when an agent names none for a language (Deepgram's featured voice of each). */
const DEFAULT_AURA_VOICES: Record<string, string> = { en: 'aura-2-thalia-en', es: 'aura-2-celeste-es' };

/** Words a final transcript needs before its text alone may switch the language (an ASR-tagged result needs 2). */
const MIN_WORDS_FOR_TEXT = 4;
const MIN_WORDS_FOR_TAG = 2;
/** The current language keeps the call unless it scores under this share of the best language. */
const SWITCH_MARGIN = 0.5;

export const primaryTag = (language: string) => language.split('-')[0].toLowerCase();

/** The languages an agent speaks: `languages` when set (its `language` first), else just `language`. */
export function agentLanguages(agent: AgentConfig): string[] {
  const all = [agent.language, ...(agent.languages ?? [])];
  return all.filter((language, i) => all.findIndex((other) => primaryTag(other) === primaryTag(language)) === i);
}

/**
 * The voice for a language: the agent's `tts.voices` entry (full tag first, then primary subtag), the agent's own
 * `tts.voice` for its main language, else a default Aura-2 voice of that language; undefined when none is known.
 */
export function voiceFor(agent: AgentConfig, language: string): string | undefined {
  const voices = agent.tts.voices ?? {};
  const primary = primaryTag(language);
  const named = voices[language] ?? voices[primary];
  if (named) return named;
  if (primary === primaryTag(agent.language)) return agent.tts.voice;
  return DEFAULT_AURA_VOICES[primary];
}

export interface LanguageSwitch {
  from: string;
  to: string;
  source: 'asr' | 'text';
}

export class CallLanguage {
  readonly allowed: string[];
  #current: string;

  /** `languagesReady(agent)` should have resolved first (the edge awaits it): until then, words alone switch nothing. */
  constructor(agent: AgentConfig) {
    this.allowed = agentLanguages(agent);
    this.#current = agent.language;
  }

  get current(): string {
    return this.#current;
  }

  /** More than one language: the ASR listens for all of them and each final transcript is checked. */
  get multilingual(): boolean {
    return this.allowed.length > 1;
  }

  /** A final transcript; returns the switch when it is in another allowed language, else null. */
  observe(text: string, asrLanguage?: string): LanguageSwitch | null {
    if (!this.multilingual) return null;
    const words = text.split(/\s+/).filter((w) => /\p{L}/u.test(w)).length;
    let detected: string | undefined;
    let source: LanguageSwitch['source'] = 'asr';
    if (asrLanguage && words >= MIN_WORDS_FOR_TAG) {
      detected = this.#allowedFor(primaryTag(asrLanguage));
    } else if (words >= MIN_WORDS_FOR_TEXT && detectAll) {
      // Scored against every language tinyld knows, so words in a language the agent does not speak switch nothing.
      const scores = detectAll(text);
      const top = scores[0]?.accuracy ?? 0;
      const best = scores.find((s) => this.#allowedFor(s.lang));
      const current = scores.find((s) => s.lang === primaryTag(this.#current))?.accuracy ?? 0;
      if (best && best.accuracy >= top * SWITCH_MARGIN && current < best.accuracy * SWITCH_MARGIN) detected = this.#allowedFor(best.lang);
      source = 'text';
    }
    if (!detected || primaryTag(detected) === primaryTag(this.#current)) return null;
    const change = { from: this.#current, to: detected, source };
    this.#current = detected;
    return change;
  }

  #allowedFor(primary: string | undefined): string | undefined {
    return primary ? this.allowed.find((language) => primaryTag(language) === primary) : undefined;
  }
}

/** The LLM's instruction after a switch, in English so any model follows it. */
export function languageNote(change: LanguageSwitch): string {
  const name = new Intl.DisplayNames(['en'], { type: 'language' }).of(change.to) ?? change.to;
  return `The caller is now speaking ${name} (${change.to}). Reply in ${name} from now on.`;
}
