// Language detection from the words of a final transcript, as a call does it (CallLanguage.observe): accuracy by
// how many words the caller has said, for an agent with two languages and one with seven, how often a call in the
// caller's own language would switch away by mistake, and how often words in a language the agent does not speak
// would switch it.
import { CallLanguage, loadLanguageDetection } from '@invorto/edge/runtime/call-language.ts';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import type { Row } from '../report.ts';
import { LANGUAGE_SENTENCES } from './language-sentences.ts';

const agentWith = (language: string, others: string[]) => ({ ...demoAgent('bench'), language, languages: others });

/** Detected language of the first `words` words, for an agent that speaks `allowed` and starts in its first. */
function detect(text: string, words: number, allowed: string[], startIn: string): string | null {
  const language = new CallLanguage(agentWith(startIn, allowed.filter((l) => l !== startIn)));
  const change = language.observe(text.split(/\s+/).slice(0, words).join(' '));
  return change ? change.to : null;
}

export async function measureLanguageId(): Promise<{ rows: Row[]; summary: Record<string, unknown> }> {
  await loadLanguageDetection();
  const all = Object.keys(LANGUAGE_SENTENCES);
  const sets: [string, string[]][] = [['en+es', ['en-US', 'es-ES']], ['7 languages', all]];
  const rows: Row[] = [];
  const summary: Record<string, unknown> = {};
  for (const [name, allowed] of sets) {
    for (const words of [3, 4, 6, 10]) {
      let correct = 0;
      let undecided = 0;
      let wrong = 0;
      let falseSwitches = 0;
      let sameLanguageTrials = 0;
      for (const spoken of allowed) {
        for (const sentence of LANGUAGE_SENTENCES[spoken]) {
          // The caller speaks another allowed language than the call is in: it should switch to `spoken`.
          const startIn = allowed.find((l) => l !== spoken)!;
          const detected = detect(sentence, words, allowed, startIn);
          if (detected === spoken) correct++;
          else if (detected === null) undecided++;
          else wrong++;
          // The caller speaks the call's own language: it should not switch.
          sameLanguageTrials++;
          if (detect(sentence, words, allowed, spoken) !== null) falseSwitches++;
        }
      }
      // A caller in a language the agent does not speak: the call should stay where it is.
      const foreign = all.filter((l) => !allowed.includes(l)).flatMap((l) => LANGUAGE_SENTENCES[l]);
      const foreignSwitches = foreign.filter((sentence) => detect(sentence, words, allowed, allowed[0]) !== null).length;
      const trials = correct + undecided + wrong;
      rows.push({
        agent: name, words, trials, switched_correctly: correct / trials, not_switched: undecided / trials, switched_wrongly: wrong / trials,
        false_switches: falseSwitches / sameLanguageTrials, switched_on_other_language: foreign.length ? foreignSwitches / foreign.length : null,
      });
      summary[`${name}/${words}w`] = { accuracy: correct / trials, wrong: wrong / trials, falseSwitchRate: falseSwitches / sameLanguageTrials, otherLanguageSwitchRate: foreign.length ? foreignSwitches / foreign.length : null };
    }
  }
  return { rows, summary };
}
