// LLM text as it should be spoken: markdown and emoji removed, and the things TTS engines read badly written out in
// words: INR amounts (lakh and crore, rupees and paise), phone numbers (digit by digit, in groups), dates, times,
// ordinals, percentages and plain numbers. The context keeps the LLM's own text; only the TTS gets this.

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen',
  'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const ORDINAL_WORDS: Record<string, string> = { one: 'first', two: 'second', three: 'third', five: 'fifth', eight: 'eighth', nine: 'ninth', twelve: 'twelfth' };

function belowHundred(n: number): string {
  if (n < 20) return ONES[n];
  return n % 10 ? `${TENS[Math.floor(n / 10)]}-${ONES[n % 10]}` : TENS[n / 10];
}

function belowThousand(n: number): string {
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  return [hundreds ? `${ONES[hundreds]} hundred` : '', rest || !hundreds ? belowHundred(rest) : ''].filter(Boolean).join(' ');
}

/** A whole number in words; `indian` groups by lakh and crore (12,50,000 = twelve lakh fifty thousand). */
export function numberToWords(value: number, indian = false): string {
  if (!Number.isFinite(value)) return String(value);
  if (value < 0) return `minus ${numberToWords(-value, indian)}`;
  let n = Math.floor(value);
  if (n === 0) return 'zero';
  const parts: string[] = [];
  const scales: [number, string][] = indian
    ? [[1e7, 'crore'], [1e5, 'lakh'], [1e3, 'thousand']]
    : [[1e12, 'trillion'], [1e9, 'billion'], [1e6, 'million'], [1e3, 'thousand']];
  for (const [size, name] of scales) {
    if (n >= size) {
      const count = Math.floor(n / size);
      parts.push(`${count >= 1000 ? numberToWords(count, indian) : belowThousand(count)} ${name}`);
      n %= size;
    }
  }
  if (n) parts.push(belowThousand(n));
  return parts.join(' ');
}

export function ordinalWords(value: number): string {
  const words = numberToWords(value);
  const last = /[a-z]+$/.exec(words)![0];
  const ordinal = ORDINAL_WORDS[last] ?? (last.endsWith('y') ? `${last.slice(0, -1)}ieth` : `${last}th`);
  return words.slice(0, words.length - last.length) + ordinal;
}

function yearWords(year: number): string {
  if (year >= 2000 && year < 2010) return numberToWords(year);
  if (year >= 1100 && year < 2100) return `${belowHundred(Math.floor(year / 100))} ${year % 100 === 0 ? 'hundred' : year % 100 < 10 ? `oh ${ONES[year % 100]}` : belowHundred(year % 100)}`;
  return numberToWords(year);
}

const digitsOf = (text: string) => text.replace(/\D/g, '');
const spellDigits = (digits: string) => [...digits].map((d) => ONES[Number(d)]).join(' ');

function dateWords(day: number, month: number, year: number): string | null {
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  return `the ${ordinalWords(day)} of ${MONTHS[month - 1]}, ${yearWords(year)}`;
}

function rupees(amount: string): string {
  const [whole, fraction = ''] = amount.replace(/,/g, '').split('.');
  const rupeeCount = Number(whole);
  const paise = Number(fraction.padEnd(2, '0').slice(0, 2));
  const parts = [`${numberToWords(rupeeCount, true)} ${rupeeCount === 1 ? 'rupee' : 'rupees'}`];
  if (paise) parts.push(`${numberToWords(paise)} paise`);
  return parts.join(' and ');
}

/** Each rewrite gets the whole match, then its capture groups. */
const REWRITES: [RegExp, (match: string, ...groups: string[]) => string][] = [
  // INR amounts: ₹1,500 / Rs. 1500 / INR 2,50,000.50 / 1500 rupees
  [/(?:₹|\bRs\.?\s?|\bINR\s?)(\d[\d,]*(?:\.\d{1,2})?)(?:\s?\/-)?/gi, (_, amount) => rupees(amount)],
  [/\b(\d[\d,]*(?:\.\d{1,2})?)\s?(?:rupees|rs\b)/gi, (_, amount) => rupees(amount)],
  // Phone numbers: +91 98450 12345, 098450-12345, 9845012345 (10 to 13 digits, optionally grouped)
  [/(\+\d{1,3}[\s-]?)?\b\d{3,5}[\s-]?\d{3,5}(?:[\s-]?\d{2,4})?\b/g, (match) => {
    const digits = digitsOf(match);
    if (digits.length < 10 || digits.length > 13) return match;
    const groups = match.trim().split(/[\s-]+/).map(digitsOf).filter(Boolean);
    const spoken = (groups.length > 1 ? groups : [digits.slice(0, -5), digits.slice(-5)]).map(spellDigits).join(', ');
    return match.trim().startsWith('+') ? `plus ${spoken}` : spoken;
  }],
  // Dates: 2026-11-24, 24/11/2026 and 24-11-2026 (day first, as in India)
  [/\b(\d{4})-(\d{1,2})-(\d{1,2})\b/g, (_, y, m, d) => dateWords(Number(d), Number(m), Number(y)) ?? `${y}-${m}-${d}`],
  [/\b(\d{1,2})[/-](\d{1,2})[/-](\d{4})\b/g, (_, d, m, y) => dateWords(Number(d), Number(m), Number(y)) ?? `${d}/${m}/${y}`],
  // Times: 3:30 pm, 10:00, 9 am
  [/\b(\d{1,2}):(\d{2})\s?([ap])\.?m\.?\b/gi, (_, h, m, p) => `${numberToWords(Number(h))}${m === '00' ? '' : ` ${Number(m) < 10 ? `oh ${ONES[Number(m)]}` : belowHundred(Number(m))}`} ${p.toUpperCase()} M`],
  [/\b(\d{1,2}):(\d{2})\b/g, (_, h, m) => (m === '00' ? `${numberToWords(Number(h))} o'clock` : `${numberToWords(Number(h))} ${Number(m) < 10 ? `oh ${ONES[Number(m)]}` : belowHundred(Number(m))}`)],
  [/\b(\d{1,2})\s?([ap])\.?m\.?(?=\W|$)/gi, (_, h, p) => `${numberToWords(Number(h))} ${p.toUpperCase()} M`],
  // Years after a word that introduces one: "in 1999" is nineteen ninety-nine, not one thousand…
  [/\b(in|since|by|from|until|till|year|of|before|after)\s+(1[1-9]\d\d|20\d\d)\b/gi, (_, word, year) => `${word} ${yearWords(Number(year))}`],
  // Identifiers: a bare run of five or more digits (an order or account number) is read digit by digit
  [/(?<![\d,.])\d{5,}(?![\d,.]\d)/g, (digits) => spellDigits(digits)],
  // Ordinals and percentages
  [/\b(\d+)(?:st|nd|rd|th)\b/gi, (_, n) => ordinalWords(Number(n))],
  [/\b(\d+(?:\.\d+)?)\s?%/g, (_, n) => `${decimalWords(n)} percent`],
  // Other numbers: 1,500 / 12,50,000 / 3.5
  [/\b\d{1,3}(?:,\d{2,3})+(?:\.\d+)?\b|\b\d+(?:\.\d+)?\b/g, (n) => decimalWords(n, /,\d{2},/.test(n))],
];

function decimalWords(text: string, indian = false): string {
  const [whole, fraction] = text.replace(/,/g, '').split('.');
  const words = numberToWords(Number(whole), indian);
  return fraction ? `${words} point ${spellDigits(fraction)}` : words;
}

function stripMarkdown(text: string): string {
  return text
    .replace(/([^.!?:;,\s])[ \t]*\n+/g, '$1.\n') // a list item or line is a spoken phrase: end it
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
    .replace(/\[([^\]]+)\]\((?:[^)]*)\)/g, '$1')
    .replace(/^\s{0,3}#{1,6}\s+/gm, '')
    .replace(/^\s*(?:[-*+•]|\d+[.)])\s+/gm, '')
    .replace(/(\*\*|__)(.*?)\1/g, '$2')
    .replace(/(\*|_)(\S(?:.*?\S)?)\1/g, '$2')
    .replace(/~~(.*?)~~/g, '$1')
    .replace(/^>\s?/gm, '')
    .replace(/https?:\/\/(?:www\.)?([^/\s]+)\S*/g, '$1')
    .replace(/[\p{Extended_Pictographic}\u{FE0F}\u{200D}]/gu, '');
}

/** The sentence as TTS should say it. */
export function toSpokenText(text: string): string {
  let spoken = stripMarkdown(text);
  for (const [pattern, rewrite] of REWRITES) spoken = spoken.replace(pattern, (match: string, ...rest: unknown[]) => rewrite(match, ...(rest.slice(0, -2) as string[])));
  return spoken.replace(/\s+/g, ' ').replace(/\s+([,.!?])/g, '$1').trim();
}
