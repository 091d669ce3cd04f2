// Calls billed from the calls module's records: timeline events in (as the consumer stores them), a priced
// billing record out, by control's own background work, counted once however often the events are delivered.
import { v1 } from '@invorto/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallBilling, defaultsFromAgentConfig } from '../src/modules/billing/call-billing.ts';
import { BillingRecords } from '../src/modules/billing/records.ts';
import { CallIngest } from '../src/modules/calls/ingest.ts';
import { PricingService } from '../src/modules/pricing/service.ts';
import { dialects, startTestControl, type TestControl } from './helpers/test-control.ts';

type Init = ConstructorParameters<typeof v1.CallEvent>[0];

function timeline(callId: string, tenantId: string, startMs: number): Uint8Array[] {
  const base = { callId, tenantId, agentId: 'agt_billing' };
  const events: Init[] = [
    { ...base, seq: 1, tsMs: startMs, callStarted: { transport: 'twilio', carrierCallId: 'CA1', codec: 'pcmu', sampleRateHz: 8000 } },
    { ...base, seq: 2, tsMs: startMs + 30_000, toolCall: { callRef: 'r1', name: 'lookup_order', argumentsJson: '{}' } },
    { ...base, seq: 3, tsMs: startMs + 185_000, usage: { asrAudioS: 181.2, llmInputTokens: 7278, llmOutputTokens: 612, ttsCharacters: 1347, telephonyS: 185.4, llmModel: 'gpt-4o-mini' } },
    { ...base, seq: 4, tsMs: startMs + 185_400, callEnded: { reason: 'caller_hangup', durationS: 185.4 } },
  ];
  return events.map((e) => v1.CallEvent.encode(v1.CallEvent.create(e)).finish());
}

// Default book, rate 85.00, no markup, CGST+SGST 9 % each, per line half-up:
// telephony twilio inbound 185,400 ms: $0.026265 × 85 = ₹2.232525 → 223 p; GST 20.07 → 20 ×2 = 40; total 263.
// asr deepgram nova-3 (the agent names no model) 181,200 ms: $0.023254 × 85 = ₹1.97659 → 198 p; 17.82 → 18 ×2; total 234.
// llm_input gpt-4o-mini 7,278 (no cached count in the event): $0.0010917 × 85 = ₹0.0927945 → 9 p; 0.81 → 1 ×2; total 11.
// llm_output 612: $0.0003672 × 85 = ₹0.031212 → 3 p; 0.27 → 0; total 3.
// tts aura-2 1,347 chars: $0.04041 × 85 = ₹3.43485 → 343 p; 30.87 → 31 ×2; total 405.
// tool webhook/lookup_order 1 call: 0. Total 263 + 234 + 11 + 3 + 405 = 916 p.
const EXPECTED = { costPaise: 776, gstPaise: 140, totalPaise: 916 };

describe.each(dialects())('calls billed from their timeline on %s', (dialect) => {
  let t: TestControl;
  beforeAll(async () => { t = await startTestControl(dialect); });
  afterAll(async () => { await t?.close(); });

  it('prices an ended call once, however often its events arrive', async () => {
    const db = t.control.ctx.database.db;
    const ingest = new CallIngest(db);
    const events = timeline('call_tl_1', t.tenantId, Date.parse('2026-06-10T05:00:00Z'));
    await ingest.apply(events);
    await ingest.apply([...events].reverse());
    const billing = new CallBilling(db, new BillingRecords(db, new PricingService(db)));
    expect(await billing.billEnded(Date.now(), { sinceMs: 0 })).toBe(1);
    expect(await billing.billEnded(Date.now(), { sinceMs: 0 })).toBe(0);
    const { current, versions } = await (await t.api('/v1/billing/records/call_tl_1')).json();
    expect(versions).toHaveLength(1);
    expect(current.totals).toMatchObject(EXPECTED);
    expect(current.lines.map((l: { component: string; provider: string; model: string }) => `${l.component} ${l.provider}/${l.model}`)).toEqual([
      'telephony twilio/inbound', 'asr deepgram/nova-3', 'llm_input openai/gpt-4o-mini', 'llm_output openai/gpt-4o-mini', 'tts deepgram/aura-2', 'tool webhook/lookup_order',
    ]);
  });

  it("is done by control's background work within seconds of the call's end", async () => {
    await new CallIngest(t.control.ctx.database.db).apply(timeline('call_tl_2', t.tenantId, Date.now() - 190_000));
    const deadline = Date.now() + 15_000;
    let response: Response;
    do {
      await new Promise((resolve) => setTimeout(resolve, 250));
      response = await t.api('/v1/billing/records/call_tl_2');
    } while (response.status === 404 && Date.now() < deadline);
    expect(response.status).toBe(200);
    expect((await response.json()).current.totals).toMatchObject(EXPECTED);
  });
});

describe('calls whose timeline reaches control late', () => {
  let t: TestControl;
  beforeAll(async () => { t = await startTestControl('sqlite'); });
  afterAll(async () => { await t?.close(); });

  it('are billed when their end arrives minutes after it happened, page after page', async () => {
    // Let the background work take its first (week-wide) look before these calls exist.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const ingest = new CallIngest(t.control.ctx.database.db);
    await ingest.apply(timeline('call_late', t.tenantId, Date.now() - 480_000)); // ended five minutes ago
    const deadline = Date.now() + 10_000;
    while ((await t.api('/v1/billing/records/call_late')).status === 404 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await (await t.api('/v1/billing/records/call_late')).json()).current.totals).toMatchObject(EXPECTED);
    const db = t.control.ctx.database.db;
    for (let i = 0; i < 5; i += 1) await ingest.apply(timeline(`call_page_${i}`, t.tenantId, Date.parse('2026-06-10T05:00:00Z') + i * 1000));
    expect(await new CallBilling(db, new BillingRecords(db, new PricingService(db))).billEnded(Date.now(), { sinceMs: 0, pageSize: 2 })).toBe(5);
  });
});

describe('engines named by the agent version', () => {
  it('takes the configured ASR and TTS, and bills "auto" as the vendor', () => {
    expect(defaultsFromAgentConfig(JSON.stringify({ asr: { provider: 'pocketsphinx' }, tts: { provider: 'flite' } }))).toEqual({
      asr: { provider: 'pocketsphinx', model: '*' }, tts: { provider: 'flite', model: '*' },
    });
    expect(defaultsFromAgentConfig(JSON.stringify({ asr: { provider: 'auto', model: 'nova-2' }, tts: { provider: 'auto' } }))).toEqual({
      asr: { provider: 'deepgram', model: 'nova-2' }, tts: { provider: 'deepgram', model: 'aura-2' },
    });
    expect(defaultsFromAgentConfig('not json').asr).toEqual({ provider: 'deepgram', model: 'nova-3' });
  });
});
