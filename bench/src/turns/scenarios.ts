// The scripted conversations of `invorto bench turns`. Each is a caller's timeline (speech made by Flite, silence, a
// cough-like burst) with every sound labelled by what it is for: a turn (end-of-turn latency is measured from its
// end), the first part of a turn with a pause in it (a premature cut-off probe), an interruption (barge-in latency),
// or a backchannel / noise over the agent (must not interrupt). The ASR emulator transcribes the sounds in order.

export type StepKind = 'turn' | 'turn-part' | 'barge-in' | 'backchannel' | 'noise';

export type Step =
  | { silenceMs: number }
  | { say: string; kind: StepKind }
  | { noiseMs: number; kind: 'noise' };

export interface Scenario {
  name: string;
  greeting: string;
  /** What the ASR emulator hears, one per sound the caller makes (noise transcribes as ""). */
  transcripts: string[];
  steps: Step[];
  /** The caller's handset echoes the agent. */
  echo?: { delayMs: number; gainDb: number };
  /** Emulated ASR speech threshold (an echo well below the caller is not transcribed). */
  asrSpeechThresholdDbfs?: number;
}

export const SHORT_GREETING = 'Hello, how can I help you?';
export const LONG_GREETING = 'Hello, thank you for calling the clinic. I can book, move or cancel your appointments, and tell you our opening hours.';

/** What the emulated LLM answers (the last user message decides). */
export const REPLIES: { when: RegExp; text: string }[] = [
  { when: /hours/i, text: 'We are open from nine to six, Monday to Saturday.' },
  { when: /number/i, text: 'Thank you, I have noted your number.' },
  { when: /appointment|book/i, text: 'Sure, I have booked that for you.' },
  { when: /that is all|thank/i, text: 'You are welcome. Goodbye!' },
];

export const SCENARIOS: Scenario[] = [
  {
    name: 'questions',
    greeting: SHORT_GREETING,
    transcripts: ['What are your opening hours?', 'Can I book an appointment for Friday?', 'Thank you, that is all.'],
    steps: [
      { silenceMs: 3000 }, { say: 'What are your opening hours?', kind: 'turn' },
      { silenceMs: 5500 }, { say: 'Can I book an appointment for Friday?', kind: 'turn' },
      { silenceMs: 5000 }, { say: 'Thank you, that is all.', kind: 'turn' }, { silenceMs: 3500 },
    ],
  },
  {
    name: 'number-with-pause',
    greeting: SHORT_GREETING,
    transcripts: ['My number is nine eight four five one', 'two three six seven zero.'],
    steps: [
      { silenceMs: 3000 }, { say: 'My number is nine eight four five one.', kind: 'turn-part' },
      { silenceMs: 900 }, { say: 'two three six seven zero.', kind: 'turn' }, { silenceMs: 4000 },
    ],
  },
  {
    name: 'sentence-with-pause',
    greeting: SHORT_GREETING,
    transcripts: ['I want to book an appointment for', 'next Tuesday morning.'],
    steps: [
      { silenceMs: 3000 }, { say: 'I want to book an appointment for', kind: 'turn-part' },
      { silenceMs: 700 }, { say: 'next Tuesday morning.', kind: 'turn' }, { silenceMs: 4000 },
    ],
  },
  {
    name: 'barge-in',
    greeting: LONG_GREETING,
    transcripts: ['Wait, what are your opening hours?'],
    steps: [{ silenceMs: 2500 }, { say: 'Wait, what are your opening hours?', kind: 'barge-in' }, { silenceMs: 5000 }],
  },
  {
    name: 'backchannels',
    greeting: LONG_GREETING,
    transcripts: ['Uh-huh.', 'Okay.'],
    steps: [{ silenceMs: 1800 }, { say: 'uh huh', kind: 'backchannel' }, { silenceMs: 1800 }, { say: 'okay', kind: 'backchannel' }, { silenceMs: 6000 }],
  },
  {
    name: 'coughs',
    greeting: LONG_GREETING,
    transcripts: ['', ''],
    steps: [{ silenceMs: 1800 }, { noiseMs: 280, kind: 'noise' }, { silenceMs: 2000 }, { noiseMs: 350, kind: 'noise' }, { silenceMs: 6000 }],
  },
  {
    name: 'echo',
    greeting: LONG_GREETING,
    transcripts: ['What are your opening hours?'],
    echo: { delayMs: 80, gainDb: -20 },
    asrSpeechThresholdDbfs: -30,
    steps: [{ silenceMs: 9000 }, { say: 'What are your opening hours?', kind: 'turn' }, { silenceMs: 4500 }],
  },
];
