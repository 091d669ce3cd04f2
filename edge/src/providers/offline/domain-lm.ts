// A small bigram language model (ARPA text) built from an agent's own phrases: pocketsphinx's general English model
// mishears narrow-band telephone speech, while a model of what callers of this agent say steers it to those words.
import { readFileSync } from 'node:fs';

/** Phrases any caller may say, whatever the agent. */
const COMMON_PHRASES = [
  'hello', 'hi', 'yes', 'yes please', 'no', 'no thank you', 'okay', 'thank you', 'thanks', 'bye', 'goodbye',
  'i would like to', 'i want to', 'can i', 'can you', 'could you repeat that', 'what time', 'what is', 'when do you',
  'i need help with', 'please', 'that is all', 'one two three four five six seven eight nine zero',
];

/** word -> its pronunciation lines (a word may have several: "read", "read(2)"). */
let dictionary: Map<string, string[]> | null = null;

function loadDictionary(dictFile: string): Map<string, string[]> {
  if (dictionary) return dictionary;
  const entries = new Map<string, string[]>();
  for (const line of readFileSync(dictFile, 'utf8').split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const word = line.slice(0, space).replace(/\(\d+\)$/, '');
    const lines = entries.get(word);
    if (lines) lines.push(line);
    else entries.set(word, [line]);
  }
  dictionary = entries;
  return entries;
}

function sentencesOf(text: string): string[][] {
  return text
    .toLowerCase()
    .split(/[.!?\n]+/)
    .map((s) => s.replace(/[^a-z' ]+/g, ' ').split(/\s+/).filter(Boolean))
    .filter((words) => words.length > 0);
}

/**
 * Builds the ARPA text of a bigram model with absolute discounting over the phrases (unknown words are dropped), and
 * the pronunciation dictionary of just its words: loading the whole 130k-word dictionary costs more than decoding.
 */
export function buildDomainLm(phrases: string[], dictFile: string): { arpa: string; dict: string; vocabulary: number } {
  const dictionary = loadDictionary(dictFile);
  const unigrams = new Map<string, number>();
  const bigrams = new Map<string, number>();
  const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  for (const phrase of [...COMMON_PHRASES, ...phrases]) {
    for (const sentence of sentencesOf(phrase)) {
      const words = ['<s>', ...sentence.filter((w) => dictionary.has(w)), '</s>'];
      if (words.length === 2) continue;
      words.forEach((w) => add(unigrams, w));
      for (let i = 1; i < words.length; i++) add(bigrams, `${words[i - 1]} ${words[i]}`);
    }
  }
  const discount = 0.5;
  const total = [...unigrams.values()].reduce((a, b) => a + b, 0);
  const contextCount = new Map<string, number>();
  const followers = new Map<string, number>();
  for (const [pair, count] of bigrams) {
    const first = pair.slice(0, pair.indexOf(' '));
    contextCount.set(first, (contextCount.get(first) ?? 0) + count);
    followers.set(first, (followers.get(first) ?? 0) + 1);
  }
  const log10 = (x: number) => Math.log10(x).toFixed(4);
  const vocabulary = [...unigrams.keys()].sort();
  const lines = ['\\data\\', `ngram 1=${vocabulary.length}`, `ngram 2=${bigrams.size}`, '', '\\1-grams:'];
  for (const word of vocabulary) {
    const probability = word === '<s>' ? '-99.0000' : log10(unigrams.get(word)! / total);
    const context = contextCount.get(word);
    const backoff = context ? log10((discount * followers.get(word)!) / context) : '0.0000';
    lines.push(`${probability} ${word} ${backoff}`);
  }
  lines.push('', '\\2-grams:');
  for (const [pair, count] of [...bigrams].sort()) {
    const first = pair.slice(0, pair.indexOf(' '));
    lines.push(`${log10((count - discount) / contextCount.get(first)!)} ${pair}`);
  }
  lines.push('', '\\end\\', '');
  const dict = vocabulary.flatMap((word) => dictionary.get(word) ?? []).join('\n') + '\n';
  return { arpa: lines.join('\n'), dict, vocabulary: vocabulary.length - 2 };
}
