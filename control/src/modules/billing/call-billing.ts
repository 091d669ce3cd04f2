// Bills calls as the calls module finishes them: every few seconds, ended calls that have no usage row yet are
// read from their stored timeline events (call_events), turned into a CallUsage and priced. A call whose events
// arrive late (control was down mid-call) is billed once its callEnded is stored (looking back 10 minutes every
// tick, a week at start and every 10 minutes). Billing reads the calls module's
// tables; it never writes them.
import type { Db } from '../../db/database.ts';
import type { Logger } from 'pino';
import { PricingService } from '../pricing/service.ts';
import { BillingRecords } from './records.ts';
import { DEFAULT_MODELS, usageFromTimeline, type TimelineEventJson, type UsageDefaults } from './usage.ts';

/**
 * The engines an agent version was configured with, for usage events that name none (older edges name only the LLM
 * model). "auto" is the vendor when its key is set on the edge, else the offline engine; billing assumes the vendor
 * (never under-bills).
 */
export function defaultsFromAgentConfig(configJson: string | null): UsageDefaults {
  let config: { asr?: { provider?: string; model?: string }; tts?: { provider?: string; model?: string } } = {};
  try { config = configJson ? JSON.parse(configJson) : {}; } catch { /* an unreadable config bills as the vendors */ }
  const asrProvider = !config.asr?.provider || config.asr.provider === 'auto' ? 'deepgram' : config.asr.provider;
  const ttsProvider = !config.tts?.provider || config.tts.provider === 'auto' ? 'deepgram' : config.tts.provider;
  return {
    asr: { provider: asrProvider, model: config.asr?.model || DEFAULT_MODELS.asr[asrProvider] || '*' },
    tts: { provider: ttsProvider, model: config.tts?.model || DEFAULT_MODELS.tts[ttsProvider] || '*' },
  };
}

const WEEK_MS = 7 * 86_400_000;

export class CallBilling {
  #ticks = 0;

  constructor(private readonly db: Db, private readonly records: BillingRecords, private readonly log?: Logger) {}

  /**
   * Prices every call that ended in (sinceMs, now - settleMs] (settled, so its last events are in), has a callEnded
   * event in its timeline and no usage row yet. A call closed without its timeline (an edge lost, synthetic rows)
   * is not selected. Returns how many calls it priced.
   */
  async billEnded(nowMs: number, options: { sinceMs?: number; settleMs?: number; pageSize?: number } = {}): Promise<number> {
    const pageSize = options.pageSize ?? 200;
    let after = { endedAt: options.sinceMs ?? nowMs - WEEK_MS, id: '' };
    let billed = 0;
    let snapshot: Awaited<ReturnType<BillingRecords['snapshot']>> | null = null;
    for (;;) {
      const cursor = after;
      const due = await this.db.selectFrom('calls').leftJoin('call_usage', 'call_usage.call_id', 'calls.id')
        .select(['calls.id', 'calls.tenant_id', 'calls.agent_id', 'calls.agent_version', 'calls.started_at', 'calls.ended_at'])
        .where('call_usage.call_id', 'is', null).where('calls.ended_at', 'is not', null).where('calls.ended_at', '<=', nowMs - (options.settleMs ?? 2000))
        .where((eb) => eb.or([eb('calls.ended_at', '>', cursor.endedAt), eb.and([eb('calls.ended_at', '=', cursor.endedAt), eb('calls.id', '>', cursor.id)])]))
        .where((eb) => eb.exists(eb.selectFrom('call_events').select('call_events.seq').whereRef('call_events.call_id', '=', 'calls.id').where('call_events.kind', '=', 'callEnded')))
        .orderBy('calls.ended_at').orderBy('calls.id').limit(pageSize).execute();
      if (!due.length) return billed;
      snapshot ??= await this.records.snapshot();
      for (const call of due) {
        after = { endedAt: Number(call.ended_at), id: call.id };
        if (await this.#bill(call, snapshot)) billed += 1;
      }
      if (due.length < pageSize) return billed;
    }
  }

  async #bill(call: { id: string; tenant_id: string; agent_id: string; agent_version: number | null; started_at: number }, snapshot: Awaited<ReturnType<BillingRecords['snapshot']>>): Promise<boolean> {
    const rows = await this.db.selectFrom('call_events').select(['seq', 'ts_ms', 'kind', 'payload']).where('call_id', '=', call.id).orderBy('seq').execute();
    const events: TimelineEventJson[] = rows.map((r) => ({
      callId: call.id, seq: Number(r.seq), tsMs: Number(r.ts_ms), tenantId: call.tenant_id, agentId: call.agent_id, kind: r.kind, payload: JSON.parse(r.payload),
    }));
    let versionQuery = this.db.selectFrom('agent_versions').select('config').where('tenant_id', '=', call.tenant_id).where('agent_id', '=', call.agent_id);
    versionQuery = call.agent_version ? versionQuery.where('version', '=', Number(call.agent_version)) : versionQuery.orderBy('version', 'desc');
    const version = await versionQuery.limit(1).executeTakeFirst();
    const usage = usageFromTimeline(events, defaultsFromAgentConfig(version?.config ?? null));
    if (!usage) return false;
    const record = await this.records.recordCall({ ...usage, startedAtMs: Number(call.started_at) }, snapshot);
    if (record.status !== 'priced') this.log?.warn({ callId: call.id, error: record.error }, 'call billed as unpriced');
    return true;
  }

  /**
   * Every `everyMs`: the calls that ended in the last `lookbackMs` (a timeline consumer running late still has its
   * calls billed), and on the first tick and every 300th a week back (a control that was down catches up).
   */
  start(everyMs: number, now: () => number, lookbackMs = 10 * 60_000): { stop(): Promise<void> } {
    let running: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      const wide = this.#ticks++ % 300 === 0;
      running = running.then(() => this.billEnded(now(), { sinceMs: now() - (wide ? WEEK_MS : lookbackMs) }))
        .catch((error) => this.log?.error({ err: error }, 'billing ended calls failed'));
    }, everyMs);
    timer.unref();
    return { async stop() { clearInterval(timer); await running; } };
  }
}

/** Control's background billing (started in modules/background.ts): prices ended calls every two seconds. */
export function startCallBilling(ctx: { database: { db: Db }; log: Logger; now(): number }, everyMs = 2000): { stop(): Promise<void> } {
  const records = new BillingRecords(ctx.database.db, new PricingService(ctx.database.db, ctx.now), ctx.now);
  return new CallBilling(ctx.database.db, records, ctx.log).start(everyMs, ctx.now);
}
