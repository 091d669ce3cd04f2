import { describe, expect, it } from 'vitest';
import { numberToWords, ordinalWords, toSpokenText } from '../src/runtime/spoken-text.ts';

describe('numberToWords', () => {
  const cases: [number, boolean, string][] = [
    [0, false, 'zero'], [7, false, 'seven'], [15, false, 'fifteen'], [40, false, 'forty'], [99, false, 'ninety-nine'], [100, false, 'one hundred'],
    [101, false, 'one hundred one'], [1234, false, 'one thousand two hundred thirty-four'], [1_000_000, false, 'one million'],
    [250_000, true, 'two lakh fifty thousand'], [12_50_000, true, 'twelve lakh fifty thousand'], [3_45_67_890, true, 'three crore forty-five lakh sixty-seven thousand eight hundred ninety'],
    [-5, false, 'minus five'],
  ];
  for (const [n, indian, words] of cases) it(`${n}${indian ? ' (Indian)' : ''} is "${words}"`, () => expect(numberToWords(n, indian)).toBe(words));
  it('makes ordinals', () => {
    expect([1, 2, 3, 5, 8, 9, 12, 20, 21, 24, 31].map(ordinalWords)).toEqual(['first', 'second', 'third', 'fifth', 'eighth', 'ninth', 'twelfth', 'twentieth', 'twenty-first', 'twenty-fourth', 'thirty-first']);
  });
});

describe('toSpokenText', () => {
  const cases: [string, string][] = [
    ['Your total is **₹1,500**.', 'Your total is one thousand five hundred rupees.'],
    ['That costs Rs. 2,50,000.50 in all.', 'That costs two lakh fifty thousand rupees and fifty paise in all.'],
    ['A fee of INR 999/- applies.', 'A fee of nine hundred ninety-nine rupees applies.'],
    ['Pay 1 rupee.', 'Pay one rupee.'],
    ['Call us on +91 98450 12345.', 'Call us on plus nine one, nine eight four five zero, one two three four five.'],
    ['My number is 9845012345', 'My number is nine eight four five zero, one two three four five'],
    ['Your appointment is on 2026-11-24 at 3:30 pm.', 'Your appointment is on the twenty-fourth of November, twenty twenty-six at three thirty P M.'],
    ['Come on 24/11/2026 at 10:00.', "Come on the twenty-fourth of November, twenty twenty-six at ten o'clock."],
    ['We open at 9 am and close at 6:05 pm.', 'We open at nine A M and close at six oh five P M.'],
    ['You are 3rd in the queue.', 'You are third in the queue.'],
    ['A 20% discount, or 12.5% for members.', 'A twenty percent discount, or twelve point five percent for members.'],
    ['It has 1,234 reviews and a 4.5 rating.', 'It has one thousand two hundred thirty-four reviews and a four point five rating.'],
    ['Founded in 1999, renovated in 2005.', 'Founded in nineteen ninety-nine, renovated in two thousand five.'],
    ['Your order 48213 shipped.', 'Your order four eight two one three shipped.'],
    ['## Options\n- **Book** a visit\n- [Cancel](https://clinic.example/cancel) one', 'Options. Book a visit. Cancel one'],
    ['Use `code` here, see https://www.example.com/path?x=1 😀', 'Use code here, see example.com'],
    ['Nothing to change here.', 'Nothing to change here.'],
  ];
  for (const [text, spoken] of cases) it(JSON.stringify(text), () => expect(toSpokenText(text)).toBe(spoken));
});
