// Exact money. Amounts are BigInt in fixed scales, never binary floats: prices in nano-units of their currency
// (1e-9, so "0.0077" USD a minute is 7,700,000), exchange rates in micro-rupees per dollar (1e-6), percentages in
// 1e-4 of a percent, and results in integer paise. A line's cost is one exact fraction rounded once, half-up.
export const PRICE_SCALE = 1_000_000_000n;
export const RATE_SCALE = 1_000_000n;
export const PERCENT_SCALE = 10_000n;

export class MoneyError extends Error {
  constructor(message: string, readonly path?: string) { super(message); }
}

/**
 * A non-negative decimal string ("0.0077", "84.25", "18") as an integer in `scale` (a power of ten). Refuses
 * negatives, exponents, more decimals than the scale holds and anything not a plain decimal: a price is typed by
 * a person, and "1e-3" or "-0.5" is a mistake to point at, not a number to guess.
 */
export function parseDecimal(text: unknown, scale: bigint, what: string, max?: bigint): bigint {
  if (typeof text !== 'string' && typeof text !== 'number') throw new MoneyError(`${what} must be a decimal string such as "0.0077" (got ${JSON.stringify(text)})`);
  const value = String(text).trim();
  if (value.startsWith('-')) throw new MoneyError(`${what} may not be negative (got "${value}")`);
  const match = /^(\d{1,12})(?:\.(\d+))?$/.exec(value);
  if (!match) throw new MoneyError(`${what} must be a plain non-negative decimal such as "0.0077" (got "${value}")`);
  const places = scale.toString().length - 1;
  const fraction = match[2] ?? '';
  if (fraction.length > places) throw new MoneyError(`${what} has more than ${places} decimal places (got "${value}")`);
  const scaled = BigInt(match[1]) * scale + BigInt((fraction + '0'.repeat(places)).slice(0, places) || '0');
  if (max !== undefined && scaled > max * scale) throw new MoneyError(`${what} may not exceed ${max} (got "${value}")`);
  return scaled;
}

/** An integer in `scale` back to its shortest decimal string (7,700,000 at 1e9 → "0.0077"). */
export function formatDecimal(scaled: bigint, scale: bigint, minPlaces = 0): string {
  const places = scale.toString().length - 1;
  const whole = scaled / scale;
  let fraction = (scaled % scale).toString().padStart(places, '0').replace(/0+$/, '');
  if (fraction.length < minPlaces) fraction = fraction.padEnd(minPlaces, '0');
  return fraction ? `${whole}.${fraction}` : whole.toString();
}

/** numerator / denominator rounded half-up (0.5 paisa goes up); both non-negative. */
export function divideHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (numerator < 0n || denominator <= 0n) throw new MoneyError('divideHalfUp takes a non-negative numerator and a positive denominator');
  return (2n * numerator + denominator) / (2n * denominator);
}

/** `percent` (in PERCENT_SCALE) of an amount in paise, half-up to the paisa. */
export function percentOf(paise: bigint, percent: bigint): bigint {
  return divideHalfUp(paise * percent, 100n * PERCENT_SCALE);
}

/** Paise as rupees with two places: 123456n → "1234.56". */
export function rupees(paise: bigint | number): string {
  const p = BigInt(paise);
  return `${p / 100n}.${(p % 100n).toString().padStart(2, '0')}`;
}

/** Paise in the Indian grouping (lakh, crore): 12345678n → "1,23,456.78". */
export function rupeesGrouped(paise: bigint | number): string {
  const [whole, fraction] = rupees(paise).split('.');
  const last3 = whole.slice(-3);
  const rest = whole.slice(0, -3).replace(/\B(?=(\d{2})+(?!\d))/g, ',');
  return `${rest ? `${rest},` : ''}${last3}.${fraction}`;
}

const ONES = ['', 'One', 'Two', 'Three', 'Four', 'Five', 'Six', 'Seven', 'Eight', 'Nine', 'Ten', 'Eleven', 'Twelve', 'Thirteen',
  'Fourteen', 'Fifteen', 'Sixteen', 'Seventeen', 'Eighteen', 'Nineteen'];
const TENS = ['', '', 'Twenty', 'Thirty', 'Forty', 'Fifty', 'Sixty', 'Seventy', 'Eighty', 'Ninety'];

function below1000(n: number): string {
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  const tail = rest < 20 ? ONES[rest] : `${TENS[Math.floor(rest / 10)]}${rest % 10 ? `-${ONES[rest % 10]}` : ''}`;
  return [hundreds ? `${ONES[hundreds]} Hundred` : '', tail].filter(Boolean).join(' ');
}

/** A whole number in Indian words: 12,34,567 → "Twelve Lakh Thirty-Four Thousand Five Hundred Sixty-Seven". */
export function indianWords(value: bigint): string {
  if (value === 0n) return 'Zero';
  const parts: string[] = [];
  const crore = value / 10_000_000n;
  let rest = Number(value % 10_000_000n);
  if (crore > 0n) parts.push(`${indianWords(crore)} Crore`);
  const lakh = Math.floor(rest / 100_000); rest %= 100_000;
  const thousand = Math.floor(rest / 1000); rest %= 1000;
  if (lakh) parts.push(`${below1000(lakh)} Lakh`);
  if (thousand) parts.push(`${below1000(thousand)} Thousand`);
  if (rest) parts.push(below1000(rest));
  return parts.join(' ');
}

/** An amount in paise as an invoice writes it: "Rupees One Thousand Two Hundred Thirty-Four and Fifty-Six Paise Only". */
export function amountInWords(paise: bigint | number): string {
  const p = BigInt(paise);
  const whole = p / 100n;
  const fraction = p % 100n;
  return `Rupees ${indianWords(whole)}${fraction ? ` and ${indianWords(fraction)} Paise` : ''} Only`;
}
