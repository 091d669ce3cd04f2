// The price book a new installation starts with. Vendor prices are list (pay-as-you-go) prices in USD as their
// public price pages gave them; the date each was read is its `source`. They could not be re-read from this
// build machine (no network): they are the prices as known on the date given, and docs/costing.md says so.
// Operators replace them through /v1/pricing or `invorto pricing set`; a new price supersedes, never rewrites.
import { ANY, type Component, type Currency, type PriceUnit } from './types.ts';

export interface DefaultPrice { component: Component; provider: string; model: string; price: string; currency?: Currency; unit: PriceUnit; source: string }

const DEEPGRAM = 'deepgram.com/pricing (pay-as-you-go, streaming), as known 2025-06-01; not re-read at build (no network)';
const OPENAI = 'openai.com/api/pricing (standard tier), as known 2025-06-01; not re-read at build (no network)';
const CARRIER = 'carrier list price (approximate, as known 2025-06-01): set your contracted rate';
const DEFAULT = 'configured default for unknown providers and models (flagged on the line)';
const FREE = 'runs on your own hardware: 0 unless you set a compute cost per minute';

const openai = (model: string, input: string, cached: string, output: string): DefaultPrice[] => [
  { component: 'llm_input', provider: 'openai', model, price: input, unit: '1m_tokens', source: OPENAI },
  { component: 'llm_cached_input', provider: 'openai', model, price: cached, unit: '1m_tokens', source: OPENAI },
  { component: 'llm_output', provider: 'openai', model, price: output, unit: '1m_tokens', source: OPENAI },
];

export const DEFAULT_PRICES: DefaultPrice[] = [
  // Deepgram streaming speech-to-text, per audio minute sent.
  { component: 'asr', provider: 'deepgram', model: 'nova-3', price: '0.0077', unit: 'minute', source: DEEPGRAM },
  { component: 'asr', provider: 'deepgram', model: 'nova-3-multilingual', price: '0.0092', unit: 'minute', source: DEEPGRAM },
  { component: 'asr', provider: 'deepgram', model: 'nova-2', price: '0.0058', unit: 'minute', source: DEEPGRAM },
  // Deepgram Aura-2 text-to-speech, per 1,000 characters synthesized.
  { component: 'tts', provider: 'deepgram', model: 'aura-2', price: '0.030', unit: '1k_chars', source: DEEPGRAM },
  // OpenAI, per 1M tokens: input (uncached), cached input, output.
  ...openai('gpt-4o-mini', '0.15', '0.075', '0.60'),
  ...openai('gpt-4o', '2.50', '1.25', '10.00'),
  ...openai('gpt-4.1-mini', '0.40', '0.10', '1.60'),
  ...openai('gpt-4.1', '2.00', '0.50', '8.00'),
  ...openai('gpt-4.1-nano', '0.10', '0.025', '0.40'),
  ...openai('gpt-3.5-turbo', '0.50', '0.50', '1.50'),
  // Telephony per minute by carrier and direction (the model is the direction).
  { component: 'telephony', provider: 'twilio', model: 'inbound', price: '0.0085', unit: 'minute', source: CARRIER },
  { component: 'telephony', provider: 'twilio', model: 'outbound', price: '0.0140', unit: 'minute', source: CARRIER },
  { component: 'telephony', provider: 'plivo', model: 'inbound', price: '0.0055', unit: 'minute', source: CARRIER },
  { component: 'telephony', provider: 'plivo', model: 'outbound', price: '0.0100', unit: 'minute', source: CARRIER },
  { component: 'telephony', provider: 'telnyx', model: 'inbound', price: '0.0035', unit: 'minute', source: CARRIER },
  { component: 'telephony', provider: 'telnyx', model: 'outbound', price: '0.0070', unit: 'minute', source: CARRIER },
  // Exotel bills Indian numbers in rupees: no exchange rate applies.
  { component: 'telephony', provider: 'exotel', model: 'inbound', price: '0.50', currency: 'INR', unit: 'minute', source: CARRIER },
  { component: 'telephony', provider: 'exotel', model: 'outbound', price: '0.80', currency: 'INR', unit: 'minute', source: CARRIER },
  // Your own SIP trunk or a native WebSocket client: the carrier bills you, not us.
  { component: 'telephony', provider: 'sip', model: ANY, price: '0', unit: 'minute', source: 'your own trunk: billed by your carrier' },
  { component: 'telephony', provider: 'native', model: ANY, price: '0', unit: 'minute', source: 'native WebSocket client: no carrier' },
  // Offline and self-hosted engines.
  { component: 'asr', provider: 'pocketsphinx', model: ANY, price: '0', unit: 'minute', source: FREE },
  { component: 'asr', provider: 'stream', model: ANY, price: '0', unit: 'minute', source: FREE },
  { component: 'tts', provider: 'flite', model: ANY, price: '0', unit: '1k_chars', source: FREE },
  { component: 'tts', provider: 'stream', model: ANY, price: '0', unit: '1k_chars', source: FREE },
  ...(['llm_input', 'llm_cached_input', 'llm_output'] as const).map((component) => ({ component, provider: 'scripted', model: ANY, price: '0', unit: '1m_tokens' as const, source: FREE })),
  // Tool and webhook calls: no charge by default.
  { component: 'tool', provider: 'webhook', model: ANY, price: '0', unit: 'call', source: 'no charge per tool call by default' },
  // Defaults for what the book does not name: the dearest listed price of the kind, so an unknown model is never
  // billed below cost; every line priced this way carries `unknownModel: true`.
  { component: 'asr', provider: ANY, model: ANY, price: '0.0092', unit: 'minute', source: DEFAULT },
  { component: 'tts', provider: ANY, model: ANY, price: '0.030', unit: '1k_chars', source: DEFAULT },
  { component: 'llm_input', provider: ANY, model: ANY, price: '2.50', unit: '1m_tokens', source: DEFAULT },
  { component: 'llm_cached_input', provider: ANY, model: ANY, price: '1.25', unit: '1m_tokens', source: DEFAULT },
  { component: 'llm_output', provider: ANY, model: ANY, price: '10.00', unit: '1m_tokens', source: DEFAULT },
  { component: 'telephony', provider: ANY, model: ANY, price: '0.0140', unit: 'minute', source: DEFAULT },
  { component: 'tool', provider: ANY, model: ANY, price: '0', unit: 'call', source: DEFAULT },
];

/** The starting USD→INR rate: in force from this date until an operator sets the next one. */
export const DEFAULT_FX = { rate: '85.00', effectiveFrom: '2025-01-01', source: 'approximate RBI reference rate, as known 2025-06-01: set the real rate (invorto pricing fx)' };
export const DEFAULT_GST_PERCENT = '18';
