// `invorto bench providers`: what the provider layer adds to a call: the phrase cache's time to first audio per
// tier against the provider itself, language detection from transcript words (accuracy and false switches), and
// token counting on the tokenizer thread against the main thread (time per count, main-thread heap).
import { parseArgs } from 'node:util';
import { progress, writeReport } from '../report.ts';
import { measureLanguageId } from '../providers/language-id.ts';
import { measurePhraseLatency } from '../providers/phrase-latency.ts';
import { measureTokenCounting } from '../providers/token-count.ts';

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { rounds: { type: 'string', default: '10' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } });
  if (values.help) {
    console.log('usage: invorto bench providers [--rounds N] [--json]');
    return;
  }
  const rounds = Math.max(1, Number(values.rounds) || 10);
  const phrases = await measurePhraseLatency(rounds, (done, total) => progress('phrase cache', done, total));
  const language = await measureLanguageId();
  const tokens = await measureTokenCounting();
  const data = { phraseCache: phrases.summary, languageId: language.summary, tokenCounting: tokens.summary };
  if (values.json) {
    console.log(JSON.stringify(data));
    return;
  }
  writeReport('providers', 'Providers: phrase cache, language detection and token counting', data, {
    'Time from flush to first audio (Deepgram TTS adapter; emulated Aura on loopback)': phrases.rows,
    'Language detection from final transcripts (per sentence, first N words)': language.rows,
    'Token counting (o200k_base): the tokenizer thread against gpt-tokenizer on the main thread': tokens.rows,
    'Main-thread JS heap with the tokenizer loaded (fresh process, after a full GC)': tokens.heapRows,
  });
}
