// What calls and turns do: calls by outcome, turn and barge-in latency, interruptions, held turns, tool calls.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Call } from '../runtime/call.ts';
import { TURN_BUCKETS_S, type ErrorKind } from './buckets.ts';

const BUILTIN_TOOLS = new Set(['end_call', 'transfer_call']);

export class CallMetrics {
  readonly activeCalls: Gauge;
  readonly maxCalls: Gauge;
  readonly refused: Counter;
  readonly callsTotal: Counter;
  readonly turnLatency: Histogram;
  readonly endOfTurnLatency: Histogram;
  readonly bargeInLatency: Histogram;
  readonly interruptions: Counter;
  readonly heldTurns: Counter;
  readonly toolCalls: Counter;

  constructor(registers: Registry[], private readonly error: (kind: ErrorKind) => void) {
    this.activeCalls = new Gauge({ name: 'invorto_active_calls', help: 'Calls in progress on this node', registers });
    this.maxCalls = new Gauge({ name: 'invorto_max_calls', help: 'Calls this node takes at once (INVORTO_MAX_CALLS); a pool reports the sum', registers });
    this.refused = new Counter({ name: 'invorto_calls_refused_total', help: 'Calls refused before they started, by reason: capacity (node full: HTTP 503 / SIP 486), auth (bad token or key), budget (the tenant\'s monthly budget is spent: SIP 403, WebSocket close 1008)', labelNames: ['reason'], registers });
    for (const reason of ['capacity', 'auth', 'budget']) this.refused.inc({ reason }, 0);
    this.callsTotal = new Counter({ name: 'invorto_calls_total', help: 'Calls ended, by outcome', labelNames: ['outcome'], registers });
    this.turnLatency = new Histogram({ name: 'invorto_turn_latency_seconds', help: 'Caller speech end to the agent\'s first audio frame', buckets: TURN_BUCKETS_S, registers });
    this.endOfTurnLatency = new Histogram({ name: 'invorto_end_of_turn_latency_seconds', help: 'Caller speech end to the end-of-turn decision', buckets: TURN_BUCKETS_S, registers });
    this.bargeInLatency = new Histogram({ name: 'invorto_barge_in_latency_seconds', help: 'Caller speech onset to outbound audio stopped', buckets: TURN_BUCKETS_S, registers });
    this.interruptions = new Counter({ name: 'invorto_interruptions_total', help: 'Caller sound over the agent, by outcome: committed (the caller took the turn), backchannel or noise (the agent resumed)', labelNames: ['outcome'], registers });
    this.heldTurns = new Counter({ name: 'invorto_turns_held_total', help: 'End-of-turn signals overruled because the words were unfinished', registers });
    this.toolCalls = new Counter({ name: 'invorto_tool_calls_total', help: 'Tool calls, by built-in tool (or "webhook") and outcome', labelNames: ['tool', 'outcome'], registers });
  }

  observe(call: Call): void {
    this.activeCalls.inc();
    call.on('endOfTurn', ({ speechEndMs, decidedMs }) => this.endOfTurnLatency.observe(Math.max(0, decidedMs - speechEndMs) / 1000));
    // At the first frame, not when the reply ends: a reply the caller cuts short still had its latency.
    call.on('agentAudioStarted', ({ callerSpeechEndMs, atMs }) => {
      if (callerSpeechEndMs !== null) this.turnLatency.observe(Math.max(0, atMs - callerSpeechEndMs) / 1000);
    });
    // Audio stops on every pause, whether it then commits or resumes: both are barge-in latency.
    call.on('bargeIn', ({ onsetMs, stoppedMs }) => {
      this.bargeInLatency.observe(Math.max(0, stoppedMs - onsetMs) / 1000);
      this.interruptions.inc({ outcome: 'committed' });
    });
    call.on('falseInterruption', ({ onsetMs, pausedMs, kind }) => {
      this.bargeInLatency.observe(Math.max(0, pausedMs - onsetMs) / 1000);
      this.interruptions.inc({ outcome: kind });
    });
    call.on('turnHeld', () => this.heldTurns.inc());
    // Webhook names are the tenants' own: one label value for all of them keeps the series count bounded.
    call.on('toolResult', ({ name, ok }) => {
      this.toolCalls.inc({ tool: BUILTIN_TOOLS.has(name) ? name : 'webhook', outcome: ok ? 'ok' : 'error' });
      if (!ok) this.error('tool');
    });
    call.on('ended', ({ reason }) => {
      this.activeCalls.dec();
      this.callsTotal.inc({ outcome: reason });
      if (reason === 'error') this.error('internal');
    });
  }
}
