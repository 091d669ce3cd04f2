// What the caller's words say about turn-taking: is this only a backchannel ("uh-huh"), and is the turn so far a
// finished one? People pause mid-sentence after "and", between digit groups of a phone number, and while spelling
// an email address; a silence timer alone either cuts them off or makes every turn slow. Pure functions over ASR
// text (any case, punctuation, digits or number words).

const BACKCHANNEL_WORDS = new Set([
  'yeah', 'yes', 'yep', 'yup', 'ya', 'okay', 'ok', 'k', 'uh-huh', 'uhhuh', 'uh', 'huh', 'mhm', 'mm-hmm', 'mmhmm', 'mm', 'hmm', 'hm', 'um-hum',
  'right', 'sure', 'alright', 'all', 'cool', 'fine', 'great', 'good', 'got', 'it', 'i', 'see', 'oh', 'ah', 'aha', 'ahh', 'oh-kay', 'exactly', 'totally',
  'indeed', 'true', 'correct', 'perfect', 'nice', 'wow', 'haan', 'achha', 'accha', 'theek', 'hai', 'ji',
]);
/** Two-word backchannels whose words alone would not be ("all", "it" and "i" only count inside these). */
const BACKCHANNEL_PHRASES = ['all right', 'got it', 'i see', 'theek hai', 'haan ji'];
const BACKCHANNEL_ONLY_IN_PHRASES = new Set(['all', 'it', 'i', 'got', 'see', 'theek', 'hai', 'ji']);
const MAX_BACKCHANNEL_WORDS = 4;

const DIGIT_WORDS: Record<string, number> = {
  zero: 1, oh: 1, o: 1, one: 1, two: 1, three: 1, four: 1, five: 1, six: 1, seven: 1, eight: 1, nine: 1,
};
const REPEATERS: Record<string, number> = { double: 2, triple: 3 };

/** Words after which a sentence cannot be over (conjunctions, prepositions, articles, possessives, fillers). */
const OPEN_ENDINGS = new Set([
  'and', 'or', 'but', 'so', 'because', 'cause', 'then', 'with', 'to', 'for', 'of', 'from', 'the', 'a', 'an', 'my', 'your', 'our', 'their', 'his', 'her',
  'is', 'are', 'was', 'at', 'in', 'on', 'about', 'if', 'that', 'which', 'um', 'uh', 'er', 'erm', 'like', 'also', 'plus', 'maybe', 'than', 'as', 'by',
]);

/** Things callers read out, and how many digits each has when complete. */
const NUMBER_CONTEXTS: { pattern: RegExp; digits: number; name: string }[] = [
  { pattern: /\b(aadhaar|aadhar)\b/, digits: 12, name: 'Aadhaar number' },
  { pattern: /\b(card|credit|debit)\b/, digits: 16, name: 'card number' },
  { pattern: /\b(pin ?code|postal code)\b/, digits: 6, name: 'PIN code' },
  { pattern: /\bzip\b/, digits: 5, name: 'ZIP code' },
  { pattern: /\b(otp|one time password|code|pin)\b/, digits: 4, name: 'code' },
  { pattern: /\b(phone|mobile|cell|contact|call me|whatsapp)\b/, digits: 10, name: 'phone number' },
  { pattern: /\b(account|policy|order|reference|booking|ticket|customer id|member)\b/, digits: 8, name: 'number' },
  { pattern: /\bnumber\b/, digits: 10, name: 'phone number' },
];

const HOLD_OPEN_ENDING_MS = 900;
const HOLD_PUNCTUATION_MS = 800;
const HOLD_NUMBER_MS = 2000;
const HOLD_DIGIT_GROUP_MS = 800;
const HOLD_EMAIL_MS = 1500;
const HOLD_SPELLING_MS = 1000;

export interface TurnTextAssessment {
  /** False when the words say the caller has not finished. */
  complete: boolean;
  /** Why, for logs and the timeline. */
  reason: string;
  /** Extra time to wait for more words, before eagerness scaling; 0 when complete. */
  holdMs: number;
}

function words(text: string): string[] {
  return text.toLowerCase().replace(/[’]/g, "'").replace(/[^\p{L}\p{N}'@+\-\s]/gu, ' ').split(/\s+/).map((w) => w.replace(/^-+|-+$/g, '')).filter(Boolean);
}

/** True when the utterance is only acknowledgement ("yeah", "uh-huh", "got it"): it must not interrupt the agent. */
export function isBackchannel(text: string): boolean {
  let normalized = ` ${words(text).join(' ')} `;
  if (!normalized.trim()) return false;
  const count = normalized.trim().split(' ').length;
  if (count > MAX_BACKCHANNEL_WORDS) return false;
  for (const phrase of BACKCHANNEL_PHRASES) normalized = normalized.replaceAll(` ${phrase} `, ' ');
  return normalized.trim().split(' ').filter(Boolean).every((w) => BACKCHANNEL_WORDS.has(w) && !BACKCHANNEL_ONLY_IN_PHRASES.has(w));
}

/** Digits spoken in the text: digit characters and number words ("double five" is two). */
export function spokenDigitCount(text: string): number {
  return digitRuns(words(text)).reduce((sum, run) => sum + run.digits, 0);
}

/** Runs of consecutive digit tokens, with where each ends (index of its last word). */
function digitRuns(tokens: string[]): { digits: number; end: number }[] {
  const runs: { digits: number; end: number }[] = [];
  let digits = 0;
  let repeat = 1;
  tokens.forEach((token, index) => {
    const bare = token.replace(/^\+/, '');
    let value = 0;
    if (/^\d[\d-]*$/.test(bare)) value = bare.replace(/-/g, '').length;
    else if (DIGIT_WORDS[bare]) value = DIGIT_WORDS[bare];
    if (REPEATERS[bare]) {
      repeat = REPEATERS[bare];
      return;
    }
    if (value > 0) {
      digits += value === 1 ? repeat : value + repeat - 1;
      repeat = 1;
      if (index === tokens.length - 1 || !isDigitToken(tokens[index + 1])) {
        runs.push({ digits, end: index });
        digits = 0;
      }
    } else {
      repeat = 1;
    }
  });
  return runs;
}

function isDigitToken(token: string): boolean {
  const bare = token.replace(/^\+/, '');
  return /^\d[\d-]*$/.test(bare) || Boolean(DIGIT_WORDS[bare]) || Boolean(REPEATERS[bare]);
}

/** Judges whether the text so far of a caller turn is a finished turn. */
export function assessTurnText(text: string): TurnTextAssessment {
  const trimmed = text.trim();
  const tokens = words(trimmed);
  if (tokens.length === 0) return { complete: true, reason: 'no words', holdMs: 0 };
  const last = tokens[tokens.length - 1];
  const endsWithStop = /[.?!]["')\]]*$/.test(trimmed);

  const email = emailInProgress(trimmed, tokens);
  if (email) return { complete: false, reason: email, holdMs: HOLD_EMAIL_MS };

  const runs = digitRuns(tokens);
  const finalRun = runs.at(-1);
  if (finalRun && finalRun.end === tokens.length - 1) {
    const context = NUMBER_CONTEXTS.find((c) => c.pattern.test(tokens.join(' ')));
    if (context) {
      const needed = neededDigits(context, tokens);
      if (finalRun.digits < needed) {
        return { complete: false, reason: `${context.name} has ${finalRun.digits} of ${needed} digits`, holdMs: HOLD_NUMBER_MS };
      }
      return { complete: true, reason: `${context.name} complete`, holdMs: 0 };
    }
    // "at 5", "for 2 people": a number after a time or quantity word is an answer, not the start of a read-out.
    if (finalRun.digits >= 3 && finalRun.digits < 10 && !endsWithStop) return { complete: false, reason: `${finalRun.digits} digits read out, more may follow`, holdMs: HOLD_DIGIT_GROUP_MS };
  }

  if (/(\.\.\.|…|,|-|—|–)\s*$/.test(trimmed)) return { complete: false, reason: 'trailing comma, dash or ellipsis', holdMs: HOLD_PUNCTUATION_MS };
  if (OPEN_ENDINGS.has(last)) return { complete: false, reason: `trailing "${last}"`, holdMs: HOLD_OPEN_ENDING_MS };
  if (tokens.length >= 3 && tokens.slice(-3).every((t) => /^\p{L}$/u.test(t))) return { complete: false, reason: 'spelling letters out', holdMs: HOLD_SPELLING_MS };
  return { complete: true, reason: endsWithStop ? 'sentence ended' : 'no sign of more', holdMs: 0 };
}

/** Phone numbers with a country prefix (+91, 91, 0, +1) have more digits than the national number. */
function neededDigits(context: { digits: number; name: string }, tokens: string[]): number {
  if (context.name !== 'phone number') return context.digits;
  const spoken = tokens.join(' ');
  if (/(^|\s)\+?91(\s|\d)/.test(spoken) || /\bplus nine one\b/.test(spoken)) return 12;
  if (/(^|\s)\+1(\s|\d)/.test(spoken) || /\bplus one\b/.test(spoken)) return 11;
  if (/\b(zero|0)\s*(nine|eight|seven|six|[6-9])/.test(spoken) && /\bnumber is (zero|0)\b/.test(spoken)) return 11;
  return context.digits;
}

/** An email address being spelled out and not yet finished, or null. */
function emailInProgress(trimmed: string, tokens: string[]): string | null {
  const last = tokens[tokens.length - 1];
  if (/@/.test(trimmed)) {
    const address = /\S+@\S*$/.exec(trimmed.replace(/[.,!?]+$/, ''))?.[0] ?? '';
    if (address && !/@[\w-]+(\.[\w-]+)*\.[a-z]{2,}$/i.test(address)) return 'email address without a complete domain';
    return null;
  }
  const emailish = /\b(email|e-mail|mail id|gmail|yahoo|hotmail|outlook)\b/.test(tokens.join(' ')) || tokens.includes('at') && tokens.includes('dot');
  if (!emailish) return null;
  if (['dot', 'underscore', 'dash', 'hyphen', 'at'].includes(last)) return `email address ends in "${last}"`;
  const atIndex = tokens.lastIndexOf('at');
  if (atIndex >= 0 && atIndex > tokens.length - 3 && !tokens.slice(atIndex).includes('dot')) return 'email address without a domain';
  if (atIndex >= 0 && !/\bdot\s+(com|in|org|net|co|io|edu|gov|ai|uk|us)\b/.test(tokens.slice(atIndex).join(' '))) return 'email address without a domain ending';
  return null;
}
