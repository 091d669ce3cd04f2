// One call's live feed. Unwatched, it holds no listener on the call and costs nothing per frame; watched, it hears
// every inbound frame's level (the dsp chain's) and every outbound frame (the agent's), and sends their levels every
// 100 ms with the transcript, state changes and turn latencies as they happen. Nothing here goes to the timeline.
import type { Call } from '../runtime/call.ts';
import type { CallEvents } from '../runtime/call-events.ts';
import type { LiveEvent, LiveMessage } from './live-messages.ts';
import { LevelMeter } from './level-meter.ts';

export const LEVELS_EVERY_MS = 100;

export class LiveTap {
  readonly #call: Call;
  readonly #tenantId: string;
  readonly #send: (message: LiveMessage) => void;
  readonly #caller = new LevelMeter();
  readonly #agent = new LevelMeter();
  #encoding = 'mulaw';
  #timer: NodeJS.Timeout | null = null;
  #nextLevelsMs = 0;
  #unsubscribe: (() => void)[] = [];

  constructor(call: Call, tenantId: string, send: (message: LiveMessage) => void) {
    this.#call = call;
    this.#tenantId = tenantId;
    this.#send = send;
    // The codec is needed to read the agent's frames; 'started' comes once, so it is kept watched or not.
    const offStarted = call.on('started', ({ codec }) => { this.#encoding = codec; offStarted(); });
  }

  get watched(): boolean {
    return this.#timer !== null;
  }

  watch(): void {
    if (this.#timer) return;
    const call = this.#call;
    const frame = (event: CallEvents['frame']) => this.#caller.addDb(event.rmsDb);
    this.#unsubscribe = [
      call.on('frame', frame),
      call.on('transcript', ({ text, isFinal }) => this.#emit({ type: 'transcript', text, isFinal })),
      call.on('state', ({ to, reason }) => this.#emit({ type: 'state', state: to, reason })),
      call.on('turn', (turn) => this.#emit({
        type: 'turn', index: turn.index, callerText: turn.callerText, agentText: turn.agentText,
        latencyMs: turn.callerSpeechEndMs === null ? null : Math.round(turn.agentFirstAudioMs - turn.callerSpeechEndMs),
      })),
    ];
    call.agentFrameTap = (outbound) => this.#agent.addFrame(outbound, this.#encoding);
    this.#caller.take();
    this.#agent.take();
    this.#emit({ type: 'state', state: call.state, reason: 'watching' });
    this.#nextLevelsMs = performance.now();
    this.#scheduleLevels();
  }

  // A chain of timeouts aimed at fixed 100 ms marks: setInterval drifts late by a little every tick, which would
  // make the rate fall under ten a second.
  #scheduleLevels(): void {
    this.#nextLevelsMs += LEVELS_EVERY_MS;
    this.#timer = setTimeout(() => {
      this.#emit({ type: 'levels', callerDb: this.#caller.take(), agentDb: this.#agent.take(), state: this.#call.state });
      if (this.#timer) this.#scheduleLevels();
    }, Math.max(0, this.#nextLevelsMs - performance.now()));
    this.#timer.unref();
  }

  unwatch(): void {
    if (!this.#timer) return;
    clearTimeout(this.#timer);
    this.#timer = null;
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    this.#call.agentFrameTap = null;
  }

  /** The call ended: a watcher is told, and the tap lets go of the call. */
  end(reason: string): void {
    if (this.watched) this.#emit({ type: 'ended', reason });
    this.unwatch();
  }

  #emit(event: LiveEvent): void {
    this.#send({ ...event, callId: this.#call.id, tenantId: this.#tenantId, t: Date.now() });
  }
}
