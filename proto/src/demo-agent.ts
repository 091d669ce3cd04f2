// The agent `npm start` creates on first run, so a test call works with no setup.
import type { AgentConfig } from './agent-config.ts';

export function demoAgent(tenantId: string): AgentConfig {
  return {
    id: 'demo',
    tenantId,
    name: 'Demo receptionist',
    language: 'en-US',
    systemPrompt: 'You are the receptionist of a small clinic. Answer briefly, in one or two spoken sentences.',
    greeting: 'Hello, thank you for calling. How can I help you today?',
    fillers: ['One moment please.', 'Let me check that for you.'],
    asr: { provider: 'auto' },
    llm: { provider: 'auto' },
    tts: { provider: 'auto' },
    intents: [
      { name: 'appointment', match: ['appointment', 'book', 'booking', 'schedule'], reply: 'Sure, I can book an appointment for you. Which day suits you?' },
      { name: 'hours', match: ['hours', 'open', 'opening', 'close', 'closing'], reply: 'We are open from nine in the morning to six in the evening, Monday to Saturday.' },
      { name: 'goodbye', match: ['bye', 'goodbye', 'thanks', 'thank'], reply: 'You are welcome. Goodbye!' },
    ],
    fallbackReply: 'Sorry, I did not catch that. Could you say it again?',
    turn: { silenceMs: 600, eagerness: 0.5 },
  };
}
