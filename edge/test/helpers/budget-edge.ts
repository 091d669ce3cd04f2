// A real edge on a test control for the spending-limit tests: budgets refreshed every 300 ms and estimates taken
// every 100 ms, SIP on when asked, a log captured in memory, and what each call reported (budget events, what the agent said,
// how it ended, with performance.now() stamps) kept by call id.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { INTERNAL_TOKEN, type TestControl } from '../../../control/test/helpers/test-control.ts';
import { mintMediaToken } from '../../src/auth/media-token.ts';
import type { CallEvents } from '../../src/runtime/call-events.ts';
import { startEdge, type RunningEdge } from '../../src/start-edge.ts';
import { createLogger } from '../../src/util/log.ts';

/** The closing line the edge is configured with. */
export const CLOSING = 'This call has reached its spending limit. Goodbye.';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every 100 ms until it gives something truthy. */
export async function until<T>(probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** What one call reported. */
export type Seen = { budget: (CallEvents['budget'] & { atMs: number })[]; speech: string[]; ended?: CallEvents['ended'] & { atMs: number } };

export interface BudgetEdge {
  edge: RunningEdge;
  /** By call id. */
  seen: Map<string, Seen>;
  logs: Record<string, unknown>[];
  /** A Twilio media URL with a token for `agentId` of `tenantId`. */
  mediaUrl(tenantId: string, agentId?: string): string;
  /** invorto_calls_refused_total{reason="budget"} on the edge's /metrics. */
  refusedForBudget(): Promise<number>;
}

export async function startBudgetEdge(t: TestControl, options: { sip?: boolean } = {}): Promise<BudgetEdge> {
  const secret = randomBytes(16).toString('hex');
  const logs: Record<string, unknown>[] = [];
  const log = createLogger({ service: 'edge', level: 'info', destination: new Writable({
    write(chunk, _encoding, done) { for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line)); done(); },
  }) });
  const edge = await startEdge({
    host: '127.0.0.1', port: 0, controlUrl: t.internalUrl, dataDir: t.dataDir, internalToken: INTERNAL_TOKEN, maxMessageBytes: 65536,
    mediaTokenSecret: secret, maxCalls: 10, noMediaTimeoutMs: 10_000, drainMs: 1000, agentPollMs: 200,
    ...(options.sip ? { sip: { port: 0, rtpPortMin: 42000, rtpPortMax: 42999, allow: ['127.0.0.1'], tenantId: 'default' } } : {}),
    budget: { refreshMs: 300, tickMs: 100, closingLine: CLOSING },
    keys: { deepgramApiKey: '', deepgramBaseUrl: '', openaiApiKey: '', openaiBaseUrl: '', openaiModel: 'gpt-4o-mini' }, log,
  });
  const seen = new Map<string, Seen>();
  edge.server.calls.on('callStarted', ({ call }) => {
    const record: Seen = { budget: [], speech: [] };
    seen.set(call.id, record);
    call.on('budget', (e) => record.budget.push({ ...e, atMs: performance.now() }));
    call.on('agentSpeech', (e) => record.speech.push(e.text));
    call.on('ended', (e) => { record.ended = { ...e, atMs: performance.now() }; });
  });
  return {
    edge, seen, logs,
    mediaUrl: (tenantId, agentId = 'demo') => `${edge.url.replace(/^http/, 'ws')}/media/twilio?token=${mintMediaToken(secret, { tenantId, agentId, expiresAt: Date.now() / 1000 + 600 })}`,
    async refusedForBudget() {
      const text = await (await fetch(`${edge.url}/metrics`)).text();
      return Number(/invorto_calls_refused_total\{reason="budget"\} (\d+)/.exec(text)?.[1] ?? NaN);
    },
  };
}
