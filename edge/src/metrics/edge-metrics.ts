// Prometheus metrics of one edge node, in its own Registry. Collectors subscribe to call events; no stage calls them.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CircuitBreaker } from '../providers/resilience/circuit-breaker.ts';
import type { Call } from '../runtime/call.ts';

// Voice latencies: a frame is microseconds, a turn is hundreds of milliseconds to seconds.
const FRAME_BUCKETS_S = [5e-6, 10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3];
const TURN_BUCKETS_S = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 5];
const BREAKER_VALUES = { closed: 0, 'half-open': 1, open: 2 } as const;
const BUILTIN_TOOLS = new Set(['end_call', 'transfer_call']);
const TTFB_BUCKETS_S = [0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5];

export class EdgeMetrics {
  readonly registry = new Registry();
  readonly activeCalls = new Gauge({ name: 'invorto_active_calls', help: 'Calls in progress on this node', registers: [this.registry] });
  readonly callsTotal = new Counter({ name: 'invorto_calls_total', help: 'Calls ended, by outcome', labelNames: ['outcome'], registers: [this.registry] });
  readonly protocolErrors = new Counter({ name: 'invorto_protocol_errors_total', help: 'Media-socket messages rejected, by transport', labelNames: ['transport'], registers: [this.registry] });
  readonly providerErrors = new Counter({ name: 'invorto_provider_errors_total', help: 'Provider failures, by stage and provider', labelNames: ['stage', 'provider'], registers: [this.registry] });
  readonly frameProcessing = new Histogram({ name: 'invorto_frame_processing_seconds', help: 'Inbound dsp time per 20 ms frame', buckets: FRAME_BUCKETS_S, registers: [this.registry] });
  readonly turnLatency = new Histogram({ name: 'invorto_turn_latency_seconds', help: 'Caller speech end to the agent\'s first audio frame', buckets: TURN_BUCKETS_S, registers: [this.registry] });
  readonly endOfTurnLatency = new Histogram({ name: 'invorto_end_of_turn_latency_seconds', help: 'Caller speech end to the end-of-turn decision', buckets: TURN_BUCKETS_S, registers: [this.registry] });
  readonly bargeInLatency = new Histogram({ name: 'invorto_barge_in_latency_seconds', help: 'Caller speech onset to outbound audio stopped', buckets: TURN_BUCKETS_S, registers: [this.registry] });
  readonly interruptions = new Counter({ name: 'invorto_interruptions_total', help: 'Caller sound over the agent, by outcome: committed (the caller took the turn), backchannel or noise (the agent resumed)', labelNames: ['outcome'], registers: [this.registry] });
  readonly heldTurns = new Counter({ name: 'invorto_turns_held_total', help: 'End-of-turn signals overruled because the words were unfinished', registers: [this.registry] });
  readonly toolCalls = new Counter({ name: 'invorto_tool_calls_total', help: 'Tool calls, by built-in tool (or "webhook") and outcome', labelNames: ['tool', 'outcome'], registers: [this.registry] });
  readonly audioDropped = new Counter({ name: 'invorto_audio_dropped_bytes_total', help: 'Audio bytes refused by a bounded queue: pending (media before the call started), asr-early (before the ASR connected), outbound (over 60 s queued)', labelNames: ['queue'], registers: [this.registry] });
  readonly breakerState = new Gauge({
    name: 'invorto_provider_breaker_state', help: 'Circuit breaker per provider: 0 closed, 1 half-open, 2 open', labelNames: ['provider'], registers: [this.registry],
    collect() {
      for (const [provider, breaker] of CircuitBreaker.all) this.set({ provider }, BREAKER_VALUES[breaker.state]);
    },
  });
  readonly providerRetries = new Counter({ name: 'invorto_provider_retries_total', help: 'Provider requests retried (before any output), by provider', labelNames: ['provider'], registers: [this.registry] });
  readonly providerFallbacks = new Counter({ name: 'invorto_provider_fallbacks_total', help: 'Requests served by a fallback (another model, then the offline engine), by provider', labelNames: ['provider'], registers: [this.registry] });
  readonly providerTtfb = new Histogram({ name: 'invorto_provider_ttfb_seconds', help: 'Provider time to first byte, by stage and provider', labelNames: ['stage', 'provider'], buckets: TTFB_BUCKETS_S, registers: [this.registry] });

  readonly #onResilience = (kind: 'retry' | 'fallback', provider: string) => (kind === 'retry' ? this.providerRetries : this.providerFallbacks).inc({ provider });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'invorto_edge_' });
    CircuitBreaker.listeners.add(this.#onResilience);
  }

  /** Stops listening to process-wide provider events (the node is closing). */
  close(): void {
    CircuitBreaker.listeners.delete(this.#onResilience);
  }

  observe(call: Call): void {
    this.activeCalls.inc();
    call.on('frame', ({ processingNs }) => this.frameProcessing.observe(processingNs / 1e9));
    call.on('endOfTurn', ({ speechEndMs, decidedMs }) => this.endOfTurnLatency.observe(Math.max(0, decidedMs - speechEndMs) / 1000));
    call.on('turn', ({ callerSpeechEndMs, agentFirstAudioMs }) => {
      if (callerSpeechEndMs !== null) this.turnLatency.observe(Math.max(0, agentFirstAudioMs - callerSpeechEndMs) / 1000);
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
    call.on('dropped', ({ queue, bytes }) => this.audioDropped.inc({ queue }, bytes));
    // Webhook names are the tenants' own: one label value for all of them keeps the series count bounded.
    call.on('toolResult', ({ name, ok }) => this.toolCalls.inc({ tool: BUILTIN_TOOLS.has(name) ? name : 'webhook', outcome: ok ? 'ok' : 'error' }));
    call.on('providerError', ({ stage, provider }) => this.providerErrors.inc({ stage, provider }));
    call.on('ttfb', ({ stage, provider, seconds }) => this.providerTtfb.observe({ stage, provider }, seconds));
    call.on('ended', ({ reason }) => {
      this.activeCalls.dec();
      this.callsTotal.inc({ outcome: reason });
    });
  }
}
