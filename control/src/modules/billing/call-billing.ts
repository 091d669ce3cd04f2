// Bills calls as the calls module finishes them: every few seconds, ended calls that have no usage row yet are
// read from their stored timeline events (call_events), turned into a CallUsage and priced. A call whose events
// arrive late (control was down mid-call) is billed when its callEnded arrives. Billing reads the calls module's
// tables; it never writes them.
import type { Db } from '../../db/database.ts';
import type { Logger } from 'pino';
import { PricingService } from '../pricing/service.ts';
import { BillingRecords } from './records.ts';
import { usageFromTimeline, type TimelineEventJson, type UsageDefaults } from './usage.ts';

/** Models a provider uses when the agent names none (the edge's own defaults). */
const DEFAULT_MODEL: Record<string, string> = { deepgram: 'nova-3' };
const DEFAULT_TTS_MODEL: Record<string, string> = { deepgram: 'aura-2' };

/**
 * The engines an agent version was configured with: the usage event names only the LLM model. "auto" is the
 * vendor when its key is set on the edge, else the offline engine; billing assumes the vendor (never under-bills).
 */
export function defaultsFromAgentConfig(configJson: string | null): UsageDefaults {
  let config: { asr?: { provider?: string; model?: string }; tts?: { provider?: string; model?: string } } = {};
  try { config = configJson ? JSON.parse(configJson) : {}; } catch { /* an unreadable config bills as the vendors */ }
  const asrProvider = !config.asr?.provider || config.asr.provider === 'auto' ? 'deepgram' : config.asr.provider;
  const ttsProvider = !config.tts?.provider || config.tts.provider === 'auto' ? 'deepgram' : config.tts.provider;
  return {
    asr: { provider: asrProvider, model: config.asr?.model || DEFAULT_MODEL[asrProvider] || '*' },
    tts: { provider: ttsProvider, model: config.tts?.model || DEFAULT_TTS_MODEL[ttsProvider] || '*' },
  };
}

export class CallBilling {
  /** Calls that ended up to here have been looked at; starts a week back, so a restarted control catches up. */
  #seen: { endedAt: number; id: string } | null = null;

  constructor(private readonly db: Db, private readonly records: BillingRecords, private readonly log?: Logger) {}

  /**
   * Prices calls that ended (at least `settleMs` ago, so their last events are in) since the last look: those with
   * a callEnded event in their timeline and no usage row yet. Returns how many calls it looked at.
   */
  async billEnded(nowMs: number, options: { limit?: number; settleMs?: number; sinceMs?: number } = {}): Promise<number> {
    const seen = this.#seen ?? { endedAt: options.sinceMs ?? nowMs - 7 * 86_400_000, id: '' };
    const due = await this.db.selectFrom('calls').select(['id', 'tenant_id', 'agent_id', 'agent_version', 'started_at', 'ended_at'])
      .where('ended_at', 'is not', null).where('ended_at', '<=', nowMs - (options.settleMs ?? 2000))
      .where((eb) => eb.or([eb('ended_at', '>', seen.endedAt), eb.and([eb('ended_at', '=', seen.endedAt), eb('id', '>', seen.id)])]))
      .orderBy('ended_at').orderBy('id').limit(options.limit ?? 200).execute();
    if (!due.length) return 0;
    const snapshot = await this.records.snapshot();
    for (const call of due) {
      this.#seen = { endedAt: Number(call.ended_at), id: call.id };
      const billed = await this.db.selectFrom('call_usage').select('call_id').where('call_id', '=', call.id).executeTakeFirst();
      if (billed) continue;
      const rows = await this.db.selectFrom('call_events').select(['seq', 'ts_ms', 'kind', 'payload']).where('call_id', '=', call.id).orderBy('seq').execute();
      // No callEnded event: closed by the edge sweeper (edge lost) or written without a timeline; nothing to price.
      if (!rows.some((r) => r.kind === 'callEnded')) continue;
      const events: TimelineEventJson[] = rows.map((r) => ({
        callId: call.id, seq: Number(r.seq), tsMs: Number(r.ts_ms), tenantId: call.tenant_id, agentId: call.agent_id, kind: r.kind, payload: JSON.parse(r.payload),
      }));
      let versionQuery = this.db.selectFrom('agent_versions').select('config').where('tenant_id', '=', call.tenant_id).where('agent_id', '=', call.agent_id);
      versionQuery = call.agent_version ? versionQuery.where('version', '=', Number(call.agent_version)) : versionQuery.orderBy('version', 'desc');
      const version = await versionQuery.limit(1).executeTakeFirst();
      const usage = usageFromTimeline(events, defaultsFromAgentConfig(version?.config ?? null));
      if (!usage) continue;
      const record = await this.records.recordCall({ ...usage, startedAtMs: Number(call.started_at) }, snapshot);
      if (record.status !== 'priced') this.log?.warn({ callId: call.id, error: record.error }, 'call billed as unpriced');
    }
    return due.length;
  }

  /** Runs billEnded every `everyMs` until stopped. */
  start(everyMs: number, now: () => number): { stop(): Promise<void> } {
    let running: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      running = running.then(() => this.billEnded(now())).catch((error) => this.log?.error({ err: error }, 'billing ended calls failed'));
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
