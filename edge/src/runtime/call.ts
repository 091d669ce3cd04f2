// One call's agent runtime: inbound frames -> dsp -> ASR; end of turn -> LLM (+ tools) -> TTS -> paced outbound frames.
// This file is the state machine: IDLE -> LISTENING -> PROCESSING -> SPEAKING -> LISTENING, every transition an event
// with a reason. What the call hears and when the caller's turn ends is CallerTurns; what the agent says and what the
// context keeps of it is AgentReplies; caller sound over the agent is weighed by the InterruptionArbiter (pause, then
// commit or resume).
import type { ChatMessage, EngineChange, TtsSession } from '../providers/types.ts';
import { openCallSessions } from './call-sessions.ts';
import type { CallOptions } from './call-options.ts';
import { TypedEmitter } from '../util/typed-emitter.ts';
import type { Logger } from '../util/log.ts';
import { AgentReplies } from './agent-replies.ts';
import type { CallEvents, CallState, EndReason } from './call-events.ts';
import { CallLanguage, voiceFor } from './call-language.ts';
import { CallerTurns } from './caller-turns.ts';
import { InterruptionArbiter, type PendingInterruption } from './interruption.ts';
import { asrUsage, type UsageReport } from './usage-meter.ts';

export type { CallOptions, CallProviders } from './call-options.ts';

const ASR_UNAVAILABLE_NOTICE = 'Speech recognition is not available on this server, so I cannot hear you. Please ask the operator to install it.';
/** Said when every speech recognition engine is gone mid-call: short, so the call ends within 3 s of the loss. */
const PROVIDER_LOST_APOLOGY = 'Sorry, the line is failing. Goodbye.';
const PROVIDER_LOST_DEADLINE_MS = 2800;

export class Call extends TypedEmitter<CallEvents> {
  readonly id: string;
  /** Every frame the agent sends, while someone watches this call live (edge/src/live/); null costs nothing. */
  agentFrameTap: ((frame: Uint8Array) => void) | null = null;
  readonly #options: CallOptions;
  readonly #log: Logger;
  readonly #abort = new AbortController();
  readonly #caller: CallerTurns;
  readonly #replies: AgentReplies;
  readonly #interruptions: InterruptionArbiter;
  readonly #language: CallLanguage;
  #tts: TtsSession | null = null;
  /** The engines really serving the call (an offline fallback when the vendor could not): metrics name these. */
  #asrName: string;
  #ttsName: string;
  readonly #startedMs = performance.now();
  #state: CallState = 'IDLE';
  #ended = false;
  /** Every engine of a stage is gone: the call is ending (after an apology, when the voice still works). */
  #lost: NodeJS.Timeout | null = null;

  constructor(options: CallOptions) {
    super();
    this.#options = options;
    this.id = options.callId;
    this.#log = options.log;
    const { agent, providers } = options;
    this.#language = new CallLanguage(agent);
    this.#asrName = providers.asr.name;
    this.#ttsName = providers.tts.name;
    const emit = <K extends keyof CallEvents>(event: K, payload: CallEvents[K]) => { this.emit(event, payload); };
    this.#interruptions = new InterruptionArbiter({
      pause: () => this.#replies.pause(options.pacer.leadMs),
      commit: (pending, cause) => this.#commitInterruption(pending, cause),
      resume: (pending, kind) => { if (!this.#ended) this.#replies.resume(pending, kind); },
      duck: () => this.#replies.speaker.duck(true),
      audioNowMs: () => this.#caller.heardAudioMs,
    }, { duck: agent.turn.overlap === 'duck', ...options.interruption });
    this.#replies = new AgentReplies({
      callId: this.id, agent, llm: providers.llm, output: options.output, pacer: options.pacer, log: options.log,
      history: options.history, fillerAfterMs: options.fillerAfterMs, emit, agentSpeaking: (on) => this.#caller.setAgentSpeaking(on),
      speakerHooks: {
        firstAudio: () => {
          this.emit('agentAudioStarted', { callerSpeechEndMs: this.#replies.speaker.callerSpeechEndMs, atMs: performance.now() });
          this.#caller.setAgentSpeaking(true);
          this.#setState('SPEAKING', 'first audio');
        },
        agentFrame: (frame) => { this.#caller.hearAgent(frame); this.agentFrameTap?.(frame); },
        ttfb: (stage, seconds, provider) => this.emit('ttfb', { stage, provider: provider ?? (stage === 'llm' ? providers.llm.name : this.#ttsName), seconds }),
        ttsProvider: () => this.#ttsName,
      },
      replyStarted: (callerSpeechEndMs) => this.#setState('PROCESSING', callerSpeechEndMs === null ? 'agent speaks first' : 'caller turn ended'),
      providerError: (stage, error, recovered) => this.#providerError(stage, stage === 'llm' ? providers.llm.name : this.#ttsName, error, recovered),
    });
    const speaker = this.#replies.speaker;
    this.#caller = new CallerTurns({
      agent, format: options.start.format, language: this.#language, interruptions: this.#interruptions,
      finalTranscriptTimeoutMs: options.finalTranscriptTimeoutMs,
      hooks: {
        state: () => this.#state,
        ended: () => this.#ended,
        // A speculative reply is neither: it is not an answer until the turn is confirmed, and nobody heard it.
        replying: () => speaker.reply !== null && !speaker.speculative,
        answerPending: () => speaker.reply !== null && speaker.callerSpeechEndMs !== null && !speaker.speculative,
        agentText: () => (speaker.speculative ? '' : speaker.reply?.text ?? ''),
        asrName: () => this.#asrName,
        emit,
        languageChanged: (change) => this.#replies.followLanguage(change, this.#tts),
        asrError: (error) => this.#providerError('asr', this.#asrName, error, true),
        asrFailover: (change) => this.#engineChanged('asr', change),
        asrLost: (reason) => this.#providerLost('asr', reason),
        turnEnded: (text, speechEndMs) => { this.#replies.answer(text, speechEndMs); },
        turnMayEnd: (text) => this.#replies.speculate(text),
        turnGoesOn: (reason) => this.#replies.withdrawSpeculation(reason),
      },
    });
  }

  get state(): CallState {
    return this.#state;
  }

  /** The whole conversation so far (system prompt first), as the context keeps it. */
  get history(): readonly ChatMessage[] {
    return this.#replies.context.messages;
  }

  /** Connects the providers (in parallel, before the caller speaks) and plays the greeting. */
  async begin(): Promise<void> {
    const { start, transport, agent, providers } = this.#options;
    this.emit('started', { transport, carrierCallId: start.carrierCallId, codec: start.format.encoding, sampleRateHz: start.format.sampleRateHz, parameters: start.parameters });
    const { asr, tts } = await openCallSessions({
      callId: this.id, agent, providers, language: this.#language, signal: this.#abort.signal,
      format: { encoding: start.format.encoding === 'l16' ? 'linear16' : start.format.encoding, sampleRateHz: start.format.sampleRateHz },
      onVoiceError: (voice, error) => this.#providerError('tts', this.#ttsName, new Error(`voice ${voice}: ${error.message}`), true),
    });
    if (this.#ended || 'error' in tts) {
      if ('session' in asr) void asr.session.close();
      if ('session' in tts) void tts.session.close();
      if ('error' in tts && !this.#ended) {
        this.#providerError('tts', tts.provider, tts.error, false);
        this.end('error', `text-to-speech unavailable: ${tts.error.message}`);
      }
      return;
    }
    this.#ttsName = tts.provider;
    this.#tts = tts.session;
    this.#replies.speaker.attach(tts.session, voiceFor(agent, agent.language) ?? '', (error) => this.#providerError('tts', this.#ttsName, error, true));
    tts.session.on('failover', (change) => this.#engineChanged('tts', change));
    tts.session.on('closed', ({ reason }) => this.#providerLost('tts', reason));
    this.#setState('LISTENING', 'call started');
    if ('error' in asr) {
      this.#providerError('asr', asr.provider, asr.error, false);
      this.#caller.feed.abandon();
      this.#replies.speakFixed(ASR_UNAVAILABLE_NOTICE);
      return;
    }
    this.#asrName = asr.provider;
    this.#caller.attachAsr(asr.session);
    if (agent.greeting) this.#replies.speakFixed(agent.greeting);
  }

  /** Inbound media from the carrier, in the call's format, any length. */
  pushAudio(payload: Uint8Array): void {
    if (this.#ended || payload.length === 0) return;
    this.#options.inboundTap?.(payload);
    this.#caller.push(payload);
  }

  /** The carrier reports that audio up to this mark has played. */
  onMark(name: string): void {
    // While paused the carrier acknowledges marks early (it dropped the audio): the mark is sent again on resume.
    const speaker = this.#replies.speaker;
    const callerSpeechEndMs = speaker.callerSpeechEndMs;
    // Ducked, the agent was still talking: its reply really ended, and the caller's words so far begin their turn.
    const ducked = this.#interruptions.pending?.ducked && speaker.endsReply(name) ? this.#interruptions.agentFinished() : null;
    if (ducked) this.#caller.takeTurn(ducked.finals);
    const played = this.#interruptions.pending ? null : this.#replies.played(name);
    if (!played) return;
    const { reply, after } = played;
    this.#caller.setAgentSpeaking(false);
    this.emit('turn', {
      index: reply.index, callerText: reply.index === 0 ? '' : this.#replies.lastCallerTurnText, agentText: reply.text,
      callerSpeechEndMs, agentFirstAudioMs: speaker.firstAudioMs, agentDoneMs: performance.now(),
    });
    this.#setState('LISTENING', 'reply played');
    if (ducked) this.#caller.weighHeldWords();
    if (after?.kind === 'hangup') {
      this.#hangUp(after.endReason ?? 'agent_hangup', after.reason);
    } else if (after?.kind === 'transfer') {
      this.#transfer(after.target);
    }
  }

  /** What the call has used so far, per engine (the running cost estimate reads it); `usage` at the end reports it. */
  get usageSoFar(): UsageReport {
    const { agent, providers } = this.#options;
    const asr = asrUsage(this.#caller.feed.secondsByEngine, { provider: providers.asr.name, model: agent.asr.model });
    const report = this.#replies.speaker.usage.report((performance.now() - this.#startedMs) / 1000, asr);
    const wasted = this.#replies.wastedSpeculation;
    if (!wasted.requests) return report;
    return { ...report, llmSpeculativeRequests: wasted.requests, llmSpeculativeInputTokens: wasted.inputTokens, llmSpeculativeOutputTokens: wasted.outputTokens };
  }

  /** Says `line` over whatever the agent was saying, then hangs up with `reason`; after `deadlineMs` it hangs up anyway. */
  closeWith(line: string, reason: EndReason, detail: string, deadlineMs: number): void {
    if (this.#ended || this.#lost) return;
    this.#lost = setTimeout(() => this.#hangUp(reason, detail), line && this.#tts ? deadlineMs : 0);
    if (line && this.#tts) {
      this.#interruptions.dispose();
      this.#replies.sayLast(line, reason, detail);
    }
  }

  /** A budget threshold an observer of this call measured: passed on to whoever listens (timeline, metrics). */
  reportBudget(event: CallEvents['budget']): void {
    if (!this.#ended) this.emit('budget', event);
  }

  /** The transport's jitter buffer reports (RTP): passed on to whoever listens (metrics). */
  reportMedia<K extends 'playout' | 'mediaDropped'>(kind: K, event: CallEvents[K]): void {
    this.emit(kind, event);
  }

  onDtmf(digit: string): void {
    this.#log.info({ digit }, 'dtmf');
  }

  /** Ends the call once: closes provider sessions, timers and dsp state, then reports `ended`. */
  end(reason: EndReason, detail = ''): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#interruptions.dispose();
    if (this.#lost) clearTimeout(this.#lost);
    const feed = this.#caller.feed;
    const asr = this.#caller.dispose();
    const speaker = this.#replies.speaker;
    const tts = speaker.dispose();
    // Sessions close gracefully (Deepgram transcribes what it has after CloseStream); the abort signal then ends
    // anything still connecting or open.
    void Promise.allSettled([asr?.close(), tts?.close()]).finally(() => this.#abort.abort());
    const durationS = (performance.now() - this.#startedMs) / 1000;
    if (feed.droppedEarlyBytes) this.emit('dropped', { queue: 'asr-early', bytes: feed.droppedEarlyBytes });
    if (asr?.droppedBytes) this.emit('dropped', { queue: 'asr-unacked', bytes: asr.droppedBytes });
    if (speaker.droppedBytes) this.emit('dropped', { queue: 'outbound', bytes: speaker.droppedBytes });
    this.emit('usage', { ...this.usageSoFar, telephonyS: durationS });
    this.#replies.saveFinal();
    this.#setState('ENDED', reason);
    this.emit('ended', { reason, detail, durationS });
    this.removeAllListeners();
  }

  /** The caller has the turn: the reply is cancelled (the context keeping what was heard) and the call listens. */
  #commitInterruption(pending: PendingInterruption, cause: string): void {
    if (this.#ended) return;
    this.#replies.interrupt(pending, cause);
    this.#caller.setAgentSpeaking(false);
    this.#caller.takeTurn(pending.finals);
    this.#setState('LISTENING', pending.kind === 'barge-in' ? 'barge-in' : 'caller continued');
    // The end-of-turn witnesses may have spoken during the pause; if the caller is already silent, weigh now.
    this.#caller.weighHeldWords();
  }

  /** Every engine of a stage is gone: without ears, apologise and hang up; without a voice, hang up; within 3 s. */
  #providerLost(stage: 'asr' | 'tts', reason: string): void {
    if (this.#ended || this.#lost) return;
    const detail = `${stage === 'asr' ? 'speech recognition' : 'text-to-speech'} lost: ${reason}`;
    this.#providerError(stage, stage === 'asr' ? this.#asrName : this.#ttsName, new Error(detail), false);
    this.closeWith(stage === 'asr' ? PROVIDER_LOST_APOLOGY : '', 'provider-lost', detail, PROVIDER_LOST_DEADLINE_MS);
  }

  /** A session moved to another engine (`to`), or lost its last (`to` empty). */
  #engineChanged(stage: 'asr' | 'tts', change: EngineChange): void {
    this.emit('failover', { stage, ...change });
    if (change.to && stage === 'asr') this.#asrName = change.to;
    else if (change.to) this.#ttsName = change.to;
  }

  /** The agent ends the call: ended first, then the carrier told (a media socket reports its close at once). */
  #hangUp(reason: EndReason, detail: string): void {
    this.end(reason, detail);
    this.#options.output.hangup(detail);
  }

  #transfer(target: string): void {
    this.#log.info({ target }, 'transferring the caller');
    if (this.#options.output.transfer) {
      this.#options.output.transfer(target);
      return;
    }
    this.#options.output.hangup(`transfer:${target}`);
    this.end('transferred', target);
  }

  #providerError(stage: 'asr' | 'llm' | 'tts', provider: string, error: Error, recovered: boolean): void {
    this.#log.warn({ stage, provider, err: error.message }, 'provider error');
    this.emit('providerError', { stage, provider, message: error.message, recovered });
  }

  #setState(to: CallState, reason: string): void {
    if (this.#state === to) return;
    const from = this.#state;
    this.#state = to;
    this.emit('state', { from, to, reason });
  }
}
