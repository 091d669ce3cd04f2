import { describe, expect, it } from 'vitest';
import { assessTurnText, isBackchannel, spokenDigitCount } from '../src/runtime/turn-text.ts';

describe('isBackchannel', () => {
  const yes = ['Uh-huh.', 'uh huh', 'Mm-hmm.', 'mhm', 'Okay.', 'OK', 'yeah', 'Yes, yes.', 'yep', 'right right', 'Sure.', 'Got it.', 'I see.', 'oh okay', 'All right.', 'alright', 'haan ji', 'theek hai'];
  const no = ['', 'no', 'No.', 'wait', 'Stop!', 'hold on', 'sorry?', 'okay so what about Tuesday', 'yeah but wait', 'It', 'I', 'yes I want to cancel', 'okay okay okay okay okay', 'What?'];
  for (const text of yes) it(`"${text}" is a backchannel`, () => expect(isBackchannel(text)).toBe(true));
  for (const text of no) it(`"${text}" is not`, () => expect(isBackchannel(text)).toBe(false));
});

describe('spokenDigitCount', () => {
  const cases: [string, number][] = [
    ['nine eight four five one', 5], ['98450 12345', 10], ['double five six', 3], ['triple seven', 3], ['+91 98450 12345', 12],
    ['my pin is 4 4 2 1', 4], ['oh two two', 3], ['I have two kids', 1], ['no numbers here', 0], ['98-450-12345', 10],
  ];
  for (const [text, digits] of cases) it(`"${text}" has ${digits}`, () => expect(spokenDigitCount(text)).toBe(digits));
});

describe('assessTurnText', () => {
  const complete = [
    'yes', 'No thanks.', "I'd like to book an appointment.", 'Tuesday at 3 pm.', "I'll be there at 5", 'Wait, what are your opening hours?',
    'My number is nine eight four five one two three six seven zero.', 'my phone number is 98450 12345', 'It is john dot smith at gmail dot com',
    'my email is john@gmail.com', 'my pin code is 560001', 'the OTP is 4 4 2 1', 'For two people.', 'Please cancel my appointment.',
    'Call me on +91 98450 12345', 'I want to book for Friday', 'and that is all',
  ];
  const incomplete: [string, RegExp][] = [
    ['My number is nine eight four five one', /phone number has 5 of 10 digits/],
    ['my phone number is 98450', /5 of 10/],
    ['Call me on +91 98450', /of 12 digits/],
    ['my card number is 4111 1111 1111', /card number has 12 of 16/],
    ['my account number is 1234', /number has 4 of 8/],
    ['my aadhaar is 1234 5678', /8 of 12/],
    ['I want to book an appointment for', /trailing "for"/],
    ['I need to cancel and', /trailing "and"/],
    ['So um', /trailing "um"/],
    ['My email is john dot smith at', /email address ends in "at"/],
    ['it is john at gmail', /without a domain/],
    ['john dot smith at gmail dot', /ends in "dot"/],
    ['my email is john@gmail', /complete domain/],
    ['I was thinking,', /comma/],
    ['well...', /ellipsis/],
    ['my name is j o h', /spelling/],
    ['the code is 5 5 3', /code has 3 of 4/],
    ['double five six', /3 digits read out/],
  ];
  for (const text of complete) {
    it(`"${text}" is a finished turn`, () => {
      const assessment = assessTurnText(text);
      expect(assessment.complete, assessment.reason).toBe(true);
      expect(assessment.holdMs).toBe(0);
    });
  }
  for (const [text, reason] of incomplete) {
    it(`"${text}" is not (${reason.source})`, () => {
      const assessment = assessTurnText(text);
      expect(assessment.complete).toBe(false);
      expect(assessment.reason).toMatch(reason);
      expect(assessment.holdMs).toBeGreaterThan(0);
    });
  }

  it('holds a number read out longer than a trailing conjunction', () => {
    expect(assessTurnText('My number is nine eight four').holdMs).toBeGreaterThan(assessTurnText('I want to book and').holdMs);
  });
});
