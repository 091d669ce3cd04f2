// An agent that speaks English and Spanish, through the real Deepgram and OpenAI SDKs (emulated): the caller answers
// the English greeting in Spanish, Deepgram (multilingual mode) tags it "es", and the reply is in Spanish, in the
// agent's Spanish voice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { ruleResponder, startDeepgramEmulator, startOpenAiEmulator, type DeepgramEmulator, type OpenAiEmulator } from '../../testing/emulators/index.ts';
import type { CallerResult } from '../../src/sim/carrier-caller.ts';
import { callSaying, emulatorKeys, startTestEdge, type EdgeHarness } from '../helpers/edge-harness.ts';
import { readTimeline } from '../helpers/timeline.ts';

const SPANISH = 'Hola, necesito cambiar mi cita para el viernes.';
const SPANISH_REPLY = 'Claro. ¿A qué hora le viene bien el viernes?';

describe('a multilingual agent', () => {
  let deepgram: DeepgramEmulator;
  let openai: OpenAiEmulator;
  let harness: EdgeHarness;
  let result: CallerResult;

  beforeAll(async () => {
    deepgram = await startDeepgramEmulator({ listen: { utterances: [{ transcript: SPANISH, confidence: 0.95, language: 'es' }], finalDelayMs: 50 }, speak: { firstByteMs: 30 } });
    openai = await startOpenAiEmulator({ firstTokenMs: 40, responder: ruleResponder([{ when: /cita/i, reply: { text: SPANISH_REPLY } }]) });
    const agent = { ...demoAgent('default'), languages: ['es-ES'], tts: { provider: 'auto', voice: 'aura-2-thalia-en', voices: { es: 'aura-2-estrella-es' } } };
    harness = await startTestEdge(emulatorKeys(deepgram, openai), { agent });
    result = await callSaying(harness, 'I would like to change my appointment to Friday.');
  }, 60_000);
  afterAll(async () => {
    await harness?.close();
    await deepgram?.close();
    await openai?.close();
  });

  it('listens in multilingual mode, hinted with the agent\'s languages', () => {
    expect(deepgram.listenRequests[0].query).toMatchObject({ language: 'multi', language_hint: expect.stringMatching(/es/) });
  });

  it('switches to Spanish when the caller speaks it: the reply is in Spanish, in the Spanish voice', () => {
    expect(result.replies.map((r) => r.mark)).toEqual(['reply-0', 'reply-1']);
    const events = readTimeline(harness.dataDir);
    expect(events.find((e) => e.languageChanged)?.languageChanged).toMatchObject({ from: 'en-US', to: 'es-ES', source: 'asr', voice: 'aura-2-estrella-es' });
    const english = deepgram.speakRequests.find((r) => r.query.model === 'aura-2-thalia-en');
    const spanish = deepgram.speakRequests.find((r) => r.query.model === 'aura-2-estrella-es');
    expect(english?.texts[0]).toMatch(/^Hello/);
    expect(spanish?.texts.join(' ')).toBe('Claro. ¿A qué hora le viene bien el viernes?');
    expect(spanish?.query).toMatchObject({ encoding: 'mulaw', sample_rate: '8000' });
    const turn = events.filter((e) => e.turn).map((e) => e.turn!)[1];
    expect(turn.agentText).toBe(SPANISH_REPLY);
  });

  it('tells the LLM to answer in the caller\'s language', () => {
    const chat = openai.requests[0].body as { messages: { role: string; content: string }[] };
    expect(chat.messages[0].content).toMatch(/Reply in (European )?Spanish/);
    expect(chat.messages.at(-1)).toEqual({ role: 'user', content: SPANISH });
  });
});
