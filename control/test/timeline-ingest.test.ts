// Call records built from the timeline: by the consumer group, idempotently (redelivered or reordered events change
// nothing), and with a bad event retried then dead-lettered while the rest go on.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedTimelineReader } from '@invorto/timeline/embedded-reader.ts';
import { CallIngest } from '../src/modules/calls/ingest.ts';
import { appendToTimeline, encode, scriptedCall, until } from './helpers/call-events.ts';
import { dialects, startTestControl, type TestControl } from './helpers/test-control.ts';

describe.each(dialects())('timeline ingest on %s', (dialect) => {
  let t: TestControl;
  beforeAll(async () => { t = await startTestControl(dialect, { ingestTimeline: true }); });
  afterAll(async () => { await t.close(); });

  const details = async (id: string) => (await t.api(`/v1/calls/${id}`)).json();

  it('builds a call record from the events the edge wrote to the timeline', async () => {
    await appendToTimeline(t.dataDir, scriptedCall({ callId: 'c-ingest', edgeId: 'edge-7', agentVersion: 4 }));
    const call = await until(async () => { const d = await details('c-ingest'); return d.outcome ? d : null; }, 'the call record');
    expect(call).toMatchObject({
      id: 'c-ingest', agentId: 'demo', agentVersion: 4, edgeId: 'edge-7', transport: 'twilio', from: '+919800000001', to: '+918000000000',
      outcome: 'caller_hangup', durationS: 12.5, turnCount: 2, bargeInCount: 1, toolCallCount: 1,
      usage: { asrAudioS: 6.5, llmInputTokens: 420, llmOutputTokens: 31, ttsCharacters: 48, telephonyS: 12, llmModel: 'gpt-4o-mini' },
    });
    expect(call.startedAt).toBe(new Date(Date.UTC(2026, 11, 1, 10, 0, 0)).toISOString());
  });

  it('changes nothing when events are delivered again, or in another order', async () => {
    const events = scriptedCall({ callId: 'c-dup' });
    await appendToTimeline(t.dataDir, events);
    const first = await until(async () => { const d = await details('c-dup'); return d.outcome ? d : null; }, 'the call record');
    // The log holds every event twice now, and the consumer group would see them again after a crash.
    await appendToTimeline(t.dataDir, [...events].reverse());
    await appendToTimeline(t.dataDir, scriptedCall({ callId: 'c-marker' }));
    await until(async () => (await details('c-marker')).outcome, 'the marker call after the duplicates');
    const ingest = new CallIngest(t.control.ctx.database.db);
    expect(await ingest.apply(events)).toBe(0);
    expect(await details('c-dup')).toEqual(first);
    expect((await (await t.api('/v1/calls/c-dup/timeline')).json()).events).toHaveLength(events.length);
  });

  it('gives the same record whatever order the events arrive in', async () => {
    const ingest = new CallIngest(t.control.ctx.database.db);
    expect(await ingest.apply(scriptedCall({ callId: 'c-forward' }))).toBe(14);
    await ingest.apply(scriptedCall({ callId: 'c-backward' }).reverse());
    const forward = await details('c-forward');
    const backward = await details('c-backward');
    const { id: _a, ...f } = forward;
    const { id: _b, ...b } = backward;
    // The searchable transcript text may differ in line order; everything shown is the same.
    expect(b).toEqual(f);
  });

  it('retries a bad event, then dead-letters it, without holding up the events after it', async () => {
    const bad = encode('c-bad', 1, Date.now(), { callStarted: { transport: 'twilio' } }, { tenantId: '' });
    await appendToTimeline(t.dataDir, [bad, ...scriptedCall({ callId: 'c-after-bad' })]);
    const startedMs = Date.now();
    await until(async () => (await details('c-after-bad')).outcome, 'the good call after the bad event');
    expect(Date.now() - startedMs).toBeLessThan(3000);
    const reader = new EmbeddedTimelineReader(join(t.dataDir, 'timeline'));
    const dead = await until(async () => { const d = await reader.deadLetters(); return d.length ? d : null; }, 'the dead letter', 15_000);
    expect(dead[0]).toMatchObject({ callId: 'c-bad', seq: 1, group: 'control', attempts: 5 });
    expect((await t.api('/v1/calls/c-bad')).status).toBe(404);
  });
});
