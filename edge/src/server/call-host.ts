// Hosting calls for every transport (media WebSockets and SIP alike): the node's call limit, the agent lookup, the
// Call itself with its history, and the node-wide pacer. What happens is reported as events (a call started, a call
// or message refused, audio dropped before a call existed): metrics and the timeline observe them.
import type { AgentConfig } from '@invorto/proto/agent-config.ts';
import type { AgentSource } from '../agents/agent-source.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { ChatMessage } from '../providers/types.ts';
import { Call } from '../runtime/call.ts';
import { languagesReady } from '../runtime/call-language.ts';
import type { HistoryStore } from '../runtime/history-store.ts';
import { Pacer } from '../runtime/pacer.ts';
import type { CallStart, CarrierOutput } from '../transports/types.ts';
import type { CallRecordings } from '../recording/call-recordings.ts';
import type { Logger } from '../util/log.ts';
import { TypedEmitter } from '../util/typed-emitter.ts';

export type RefusalReason = 'capacity' | 'auth' | 'budget';

/** Whether a tenant may start a call now (its budget): a refusal's reason is said to the carrier. */
export type Admission = { ok: true } | { ok: false; reason: string };

export type CallHostEvents = {
  /** A call exists (its providers are connecting): observers subscribe to its events now. */
  callStarted: { call: Call; tenantId: string; agentId: string; agent: AgentConfig };
  /** A call refused before it started. */
  refused: { transport: string; reason: RefusalReason };
  /** A carrier message or upgrade request rejected as malformed. */
  protocolError: { transport: string };
  /** Audio refused by a bounded queue outside any call (media before its call existed). */
  audioDropped: { queue: 'pending'; bytes: number };
};

export interface StartCallParams {
  callId: string;
  transport: string;
  start: CallStart;
  tenantId: string;
  agentId: string;
  output: CarrierOutput;
  /** The transport gave up on the call while its agent was looked up (the caller hung up). */
  abandoned?: () => boolean;
  /** The call was refused (its tenant's budget): the transport tells the carrier `reason`. Without it: no call. */
  refused?: (reason: string) => void;
}

export interface CallHostOptions {
  agents: AgentSource;
  providers: ProviderRegistry;
  log: Logger;
  /** Calls this node takes at once. */
  maxCalls?: number;
  /** Keeps each call's conversation (a stream parameter `resumeCallId` continues one). */
  history?: HistoryStore;
  /** Asked before each call starts (the tenant's budget); a refusal is counted with reason `budget`. */
  admit?: (tenantId: string, agentId: string) => Promise<Admission>;
}

export class CallHost extends TypedEmitter<CallHostEvents> {
  readonly pacer = new Pacer();
  readonly #options: CallHostOptions;
  readonly #calls = new Set<Call>();
  #recordings: CallRecordings | null = null;

  constructor(options: CallHostOptions) {
    super();
    this.#options = options;
  }

  get maxCalls(): number {
    return this.#options.maxCalls ?? 500;
  }

  get activeCalls(): number {
    return this.#calls.size;
  }

  /** Whether another call fits under the node's limit (every transport asks before it accepts one). */
  get full(): boolean {
    return this.#calls.size >= this.maxCalls;
  }

  /** From now on, calls of agents that record pass their output and inbound audio through a recorder. */
  record(recordings: CallRecordings): void {
    this.#recordings = recordings;
  }

  /** A transport refused a call before it started (reported, counted by whoever observes). */
  refuse(transport: string, reason: RefusalReason): void {
    this.emit('refused', { transport, reason });
  }

  /** What a transport saw outside any call (a malformed message, audio before its call existed), for observers. */
  report<K extends 'protocolError' | 'audioDropped'>(kind: K, event: CallHostEvents[K]): void {
    this.emit(kind, event);
  }

  /**
   * The shape SIP counted refusals through when it held the whole server: kept until it calls refuse().
   * @deprecated use refuse(transport, reason)
   */
  readonly metrics = { calls: { refused: { inc: (labels: { reason: string }) => this.refuse('sip', labels.reason as RefusalReason) } } };

  /**
   * Starts a call for any transport: looks up the agent, connects its providers. Resolves with the call once it
   * exists (the greeting starts in the background), or null when the call could not start (`abandoned()` true, or
   * the agent lookup failed).
   */
  async startCall(params: StartCallParams): Promise<Call | null> {
    const log = this.#options.log.child({ callId: params.callId });
    let call: Call;
    let agent: AgentConfig;
    try {
      const admission = await this.#options.admit?.(params.tenantId, params.agentId);
      if (admission && !admission.ok) {
        if (params.abandoned?.()) return null;
        this.refuse(params.transport, 'budget');
        log.warn({ tenantId: params.tenantId, reason: admission.reason }, 'call refused');
        params.refused?.(admission.reason);
        return null;
      }
      agent = await this.#options.agents.get(params.tenantId, params.agentId);
      const providers = await this.#options.providers.forAgent(agent);
      await languagesReady(agent);
      if (params.abandoned?.()) return null;
      const store = this.#options.history;
      const history = store ? { store, tenantId: params.tenantId, resumeFrom: await this.#resumable(params.start.parameters.resumeCallId, params.tenantId, log) } : undefined;
      const recording = this.#recordings?.open({ callId: params.callId, tenantId: params.tenantId, agentId: params.agentId, agent, format: params.start.format, output: params.output });
      try {
        call = new Call({ callId: params.callId, transport: params.transport, start: params.start, agent, providers, output: recording?.output ?? params.output, pacer: this.pacer, log, history, inboundTap: recording?.inbound });
      } catch (error) {
        recording?.discard();
        throw error;
      }
      recording?.observe(call);
    } catch (error) {
      log.error({ err: (error as Error).message, tenantId: params.tenantId, agentId: params.agentId }, 'call could not start');
      return null;
    }
    this.#calls.add(call);
    this.emit('callStarted', { call, tenantId: params.tenantId, agentId: params.agentId, agent });
    call.on('ended', ({ reason, detail }) => {
      this.#calls.delete(call);
      log.info({ reason, detail }, 'call ended');
    });
    log.info({ transport: params.transport, carrierCallId: params.start.carrierCallId, agentId: params.agentId }, 'call started');
    call.begin().catch((error: Error) => {
      log.error({ err: error.message }, 'call failed to begin');
      call.end('error', error.message);
    });
    return call;
  }

  /** Ends every call with a final event; resolves how many there were. */
  endAll(detail: string): number {
    const calls = [...this.#calls];
    for (const call of calls) call.end('drain', detail);
    return calls.length;
  }

  /** Stops the node-wide clock (the node is closing). */
  close(): void {
    this.pacer.stop();
  }

  /** A previous call's conversation to continue, if the carrier asked for one of this tenant's calls (kept here or in the shared store). */
  async #resumable(callId: string | undefined, tenantId: string, log: Logger): Promise<ChatMessage[] | undefined> {
    if (!callId || !this.#options.history) return undefined;
    try {
      const record = await this.#options.history.find(tenantId, callId);
      if (record && record.tenantId === tenantId) return record.messages;
      log.warn({ resumeCallId: callId }, 'resumeCallId names no call of this tenant: starting a new conversation');
    } catch (error) {
      log.warn({ resumeCallId: callId, err: (error as Error).message }, 'could not resume call history: starting a new conversation');
    }
    return undefined;
  }
}
