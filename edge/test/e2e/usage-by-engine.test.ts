// What a call used, per engine, from a real edge's timeline to control's billing record: OpenAI's prompt-cache
// report becomes cached input tokens billed at the cached rate, and a call whose ASR failed over from Deepgram to
// the offline engine is billed Deepgram for the seconds Deepgram heard and the offline rate for the rest.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { EmbeddedLog } from '@invorto/timeline/embedded-log.ts';
import { eventJson } from '@invorto/timeline/event-json.ts';
import { defaultsFromAgentConfig } from '../../../control/src/modules/billing/call-billing.ts';
import { computeRecord } from '../../../control/src/modules/billing/compute.ts';
import { usageFromTimeline } from '../../../control/src/modules/billing/usage.ts';
import { DEFAULT_PRICES } from '../../../control/src/modules/pricing/defaults.ts';
import { PriceBook } from '../../../control/src/modules/pricing/price-book.ts';
import { ruleResponder, startDeepgramEmulator, startOpenAiEmulator } from '../../testing/emulators/index.ts';
import { withAsrCutCall } from '../helpers/asr-cut-call.ts';
import { callSaying, emulatorKeys, startTestEdge } from '../helpers/edge-harness.ts';

const BOOKING = 'Sure, which day suits you?';
const responder = ruleResponder([{ when: /appoint|book/i, reply: { text: BOOKING } }], { text: 'Sorry, could you say that again?' });

/** The call's stored events as control reads them, and its billing record on the default book at ₹85.00 a dollar. */
function billed(dataDir: string) {
  const events = EmbeddedLog.read(join(dataDir, 'timeline', 'events.log')).map(eventJson);
  const usage = usageFromTimeline(events, defaultsFromAgentConfig(JSON.stringify(demoAgent('default'))))!;
  const book = new PriceBook(
    DEFAULT_PRICES.map((p, i) => ({ id: `pr_${i}`, tenantId: null, currency: 'USD', ...p, effectiveFromMs: 0, effectiveToMs: null })),
    [{ id: 'fx', rate: '85.00', effectiveFromMs: 0, effectiveToMs: null, source: 'test' }],
  );
  const record = computeRecord(usage, book, { markupPercent: '0', gstPercent: '18', taxMode: 'intra' });
  return { events, usage, record, line: (component: string, provider: string) => record.lines.find((l) => l.component === component && l.provider === provider) };
}

describe('usage per engine, edge to billing record', () => {
  it("OpenAI's cached prompt tokens are reported and billed at the cached-input rate", async () => {
    const CACHED = 32; // of the demo agent's prompt of about 46 tokens (as the emulator counts them)
    const deepgram = await startDeepgramEmulator({ listen: { utterances: [{ transcript: 'I would like to book an appointment.' }], finalDelayMs: 50 }, speak: { firstByteMs: 40 } });
    const openai = await startOpenAiEmulator({ firstTokenMs: 60, responder, cachedPromptTokens: CACHED });
    const harness = await startTestEdge(emulatorKeys(deepgram, openai));
    try {
      await callSaying(harness, 'I would like to book an appointment.');
      const { events, usage, record, line } = billed(harness.dataDir);
      const reported = events.filter((e) => e.kind === 'usage').map((e) => e.payload);
      expect(openai.requests).toHaveLength(1);
      expect(reported).toHaveLength(1); // one engine per stage: one usage event, as before
      expect(reported[0]).toMatchObject({ llmProvider: 'openai', llmModel: 'gpt-4o-mini', llmCachedInputTokens: CACHED, asrProvider: 'deepgram', ttsProvider: 'deepgram' });
      const inputTokens = Number(reported[0].llmInputTokens);
      expect(inputTokens).toBeGreaterThan(CACHED);
      expect(usage.llm).toEqual([{ provider: 'openai', model: 'gpt-4o-mini', inputTokens: inputTokens - CACHED, cachedInputTokens: CACHED, outputTokens: reported[0].llmOutputTokens }]);
      expect(line('llm_cached_input', 'openai')).toMatchObject({ model: 'gpt-4o-mini', quantity: CACHED, unitPrice: '0.075' });
      expect(line('llm_input', 'openai')).toMatchObject({ quantity: inputTokens - CACHED, unitPrice: '0.15' });
      console.log(`cached prompt tokens: ${inputTokens} in, ${CACHED} of them cached; record ${record.totals.totalPaise} p`);
    } finally {
      await harness.close();
      await deepgram.close();
      await openai.close();
    }
  }, 60_000);

  it('an ASR failover mid-call bills Deepgram for what it heard and the offline engine for the rest', async () => {
    // As in provider-failover.test.ts: Deepgram's socket is cut a second into the sentence, for good.
    await withAsrCutCall(responder, ({ harness, deepgram }) => {
      const { events, usage, line } = billed(harness.dataDir);
      expect(events.find((e) => e.kind === 'providerFailover')?.payload).toMatchObject({ stage: 'asr', from: 'deepgram', to: 'pocketsphinx' });
      const reported = events.filter((e) => e.kind === 'usage').map((e) => e.payload);
      expect(reported.map((u) => u.asrProvider)).toEqual(['deepgram', 'pocketsphinx']);
      expect(reported.filter((u) => u.telephonyS)).toHaveLength(1);
      const seconds = Object.fromEntries(usage.asr.map((a) => [`${a.provider}/${a.model}`, a.seconds]));
      // Deepgram is billed what the emulator received before the cut (and what was sent while the edge failed over);
      // the offline engine, a batch engine, hears only the speech after it.
      const heardS = deepgram.listenRequests.reduce((n, r) => n + r.audioBytes, 0) / 8000;
      console.log(`ASR failover billing: deepgram/nova-3 ${seconds['deepgram/nova-3'].toFixed(2)} s (the emulator received ${heardS.toFixed(2)} s), pocketsphinx ${seconds['pocketsphinx/*'].toFixed(2)} s`);
      expect(Object.keys(seconds)).toEqual(['deepgram/nova-3', 'pocketsphinx/*']);
      expect(seconds['deepgram/nova-3']).toBeGreaterThanOrEqual(heardS - 0.1);
      expect(seconds['deepgram/nova-3']).toBeLessThan(heardS + 1);
      expect(seconds['pocketsphinx/*']).toBeGreaterThan(0.5);
      expect(line('asr', 'deepgram')).toMatchObject({ model: 'nova-3', quantity: Math.round(seconds['deepgram/nova-3'] * 1000), unitPrice: '0.0077' });
      expect(line('asr', 'pocketsphinx')).toMatchObject({ model: '*', unitPrice: '0', costPaise: 0 });
    });
  }, 60_000);
});
