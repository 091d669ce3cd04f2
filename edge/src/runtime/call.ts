// One call's agent runtime: inbound frames -> dsp -> ASR; end of turn -> LLM (+ tools) -> TTS -> paced outbound frames.
// States: IDLE -> LISTENING -> PROCESSING -> SPEAKING -> LISTENING; every transition is an event with a reason.
// Turn ends are weighed by the TurnDetector, caller sound over the agent by the InterruptionArbiter (pause, then
// commit or resume), and the context keeps only what the caller heard.
import { InboundChain } from '@invorto/dsp/inbound-chain.ts';
import type { AgentConfig } from '../agents/types.ts';
import type { AsrProvider, AsrSession, ChatMessage, LlmClient, TtsProvider, TtsSession } from '../providers/types.ts';
import { VoiceSwitchingTts } from '../providers/voice-switching-tts.ts';
import { openCallSessions } from './call-sessions.ts';
import type { CallStart, CarrierOutput } from '../transports/types.ts';
import { TypedEmitter } from '../util/typed-emitter.ts';
import type { Logger } from '../util/log.ts';
import { AgentSpeaker } from './agent-speaker.ts';
import type { CallEvents, CallState, EndReason } from './call-events.ts';
import { CallContext } from './call-context.ts';
import { CallLanguage, languageNote, voiceFor, type LanguageSwitch } from './call-language.ts';
import { buildCallTools, type CallTools } from './call-tools.ts';
import { historyKeeper, type HistoryStore } from './history-store.ts';
import { AsrFeed } from './asr-feed.ts';
import { InterruptionArbiter, isEchoOf, type InterruptionOptions, type PendingInterruption } from './interruption.ts';
import type { Pacer } from './pacer.ts';
import { Reply } from './reply.ts';
import { TurnDetector, type TurnSignal } from './turn-detector.ts';
import { isBackchannel } from './turn-text.ts';

export interface CallProviders {
  asr: AsrProvider;
  llm: LlmClient;
  tts: TtsProvider;
}

export interface CallOptions {
  callId: string;
  transport: string;
  start: CallStart;
  agent: AgentConfig;
  providers: CallProviders;
  output: CarrierOutput;
  pacer: Pacer;
  log: Logger;
  /** Where the conversation is kept (inspect or resume a call by id); none: memory only. */
  history?: { store: HistoryStore; tenantId: string; resumeFrom?: ChatMessage[] };
  /** How long to wait for the ASR's final transcript after the local endpoint fired. */
  finalTranscriptTimeoutMs?: number;
  interruption?: Partial<InterruptionOptions>;
  /** Tools slower than this get a filler sentence from the agent's config. */
  fillerAfterMs?: number;
}

const FRAME_MS = 20;
const MAX_TOOL_ROUNDS = 4;
const ASR_UNAVAILABLE_NOTICE = 'Speech recognition is not available on this server, so I cannot hear you. Please ask the operator to install it.';

export class Call extends TypedEmitter<CallEvents> {
  readonly id: string;
  readonly #options: CallOptions;
  readonly #log: Logger;
  readonly #chain: InboundChain;
  readonly #speaker: AgentSpeaker;
  readonly #asrFeed: AsrFeed;
  /** The payload of every 'frame' event, reused: listeners read it during the event, never keep it. */
  readonly #frameEvent = { processingNs: 0, speech: false };
  readonly #abort = new AbortController();
  readonly #context: CallContext;
  readonly #tools: CallTools;
  readonly #turns: TurnDetector;
  readonly #interruptions: InterruptionArbiter;
  readonly #language: CallLanguage;
  #tts: TtsSession | null = null;
  /** The engines really serving the call (an offline fallback when the vendor could not): metrics name these. */
  #asrName: string;
  #ttsName: string;
  readonly #startedMs = performance.now();
  #state: CallState = 'IDLE';
  #callerText = '';
  #lastCallerTurnText = '';
  /** The caller went on after we had taken their turn: the next words extend it instead of starting a new one. */
  #continuing = false;
  #lastSpeechEndMs = 0;
  #lastSpeechFrameMs = 0;
  #callerSpeaking = false;
  /** When the caller began the speech whose first words the ASR has not yet given (0: none pending). */
  #asrWaitFromMs = 0;
  #silenceTimeoutFired = false;
  /** Start of the current run of speech frames (raw VAD, no debounce): where a barge-in began. */
  #speechRunStartMs = 0;
  #awaitingFinal: NodeJS.Timeout | null = null;
  /** What end_call or transfer_call asked for: done once the reply's audio has played. */
  #afterReply: { kind: 'hangup'; reason: string } | { kind: 'transfer'; target: string } | null = null;
  #fillerIndex = 0;
  #saveHistory: ((ended: boolean) => void) | null = null;
  #ended = false;

  constructor(options: CallOptions) {
    super();
    this.#options = options;
    this.id = options.callId;
    this.#log = options.log;
    const { agent, start: { format } } = options;
    this.#language = new CallLanguage(agent);
    this.#asrName = options.providers.asr.name;
    this.#ttsName = options.providers.tts.name;
    this.#chain = new InboundChain({ codec: format.encoding, sampleRateHz: format.sampleRateHz as 8000 | 16000, silenceMs: agent.turn.silenceMs, eagerness: agent.turn.eagerness });
    const bytesPerMs = (format.sampleRateHz / 1000) * (format.encoding === 'l16' ? 2 : 1);
    this.#speaker = new AgentSpeaker({
      output: options.output, pacer: options.pacer, log: options.log,
      hooks: {
        firstAudio: () => {
          this.emit('agentAudioStarted', { callerSpeechEndMs: this.#speaker.callerSpeechEndMs, atMs: performance.now() });
          this.#chain.setAgentSpeaking(true);
          this.#setState('SPEAKING', 'first audio');
        },
        agentFrame: (frame) => this.#chain.pushAgentAudio(frame),
        ttfb: (stage, seconds, provider) => this.emit('ttfb', { stage, provider: provider ?? (stage === 'llm' ? options.providers.llm.name : this.#ttsName), seconds }),
      },
    });
    this.#asrFeed = new AsrFeed(bytesPerMs * 1000);
    this.#tools = buildCallTools(agent, {
      hangup: (reason) => { this.#afterReply = { kind: 'hangup', reason }; },
      transfer: (target) => { this.#afterReply = { kind: 'transfer', target }; },
    });
    this.#context = new CallContext(
      { systemPrompt: agent.systemPrompt, tools: this.#tools.registry.definitions(), maxTokens: agent.contextTokens ?? 6000 },
      options.history?.resumeFrom,
    );
    if (options.history) {
      this.#saveHistory = historyKeeper(options.history, { callId: this.id, agentId: agent.id }, () => this.#context.messages, this.#log);
      this.#context.onChange = () => this.#saveHistory?.(false);
    }
    this.#turns = new TurnDetector({ mode: agent.turn.mode ?? 'smart', eagerness: agent.turn.eagerness }, {
      end: (cause) => this.#answerTurn(cause),
      held: (reason, holdMs) => this.emit('turnHeld', { text: this.#callerText, reason, holdMs }),
    });
    this.#interruptions = new InterruptionArbiter({
      pause: () => this.#pause(),
      commit: (pending, cause) => this.#commitInterruption(pending, cause),
      resume: (pending, kind) => this.#resume(pending, kind),
    }, options.interruption);
  }

  get state(): CallState {
    return this.#state;
  }

  /** The whole conversation so far (system prompt first), as the context keeps it. */
  get history(): readonly ChatMessage[] {
    return this.#context.messages;
  }

  /** Audio bytes the outbound queue refused because it was over its bound. */
  get droppedOutboundBytes(): number {
    return this.#speaker.droppedBytes;
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
    this.#speaker.attach(tts.session, (error) => this.#providerError('tts', this.#ttsName, error, true));
    this.#setState('LISTENING', 'call started');
    if ('error' in asr) {
      this.#providerError('asr', asr.provider, asr.error, false);
      this.#asrFeed.abandon();
      this.#speakFixed(ASR_UNAVAILABLE_NOTICE);
      return;
    }
    this.#asrName = asr.provider;
    this.#attachAsr(asr.session);
    if (agent.greeting) this.#speakFixed(agent.greeting);
  }

  /** Inbound media from the carrier, in the call's format, any length. */
  pushAudio(payload: Uint8Array): void {
    if (this.#ended || payload.length === 0) return;
    // Every call runs this fifty times a second: nothing here allocates (the chain reuses its analyses, the frame
    // event its payload), so the collector has less to chase.
    const startedMs = performance.now();
    const analyses = this.#chain.analyse(payload);
    const nowMs = performance.now();
    const frameEvent = this.#frameEvent;
    frameEvent.processingNs = analyses.length ? ((nowMs - startedMs) * 1e6) / analyses.length : 0;
    let speech = false;
    for (const frame of analyses) speech ||= frame.isSpeech;
    this.#asrFeed.push(payload, speech);
    for (const frame of analyses) {
      frameEvent.speech = frame.isSpeech;
      this.emit('frame', frameEvent);
      if (frame.speechProbability > 0.5) {
        if (this.#speechRunStartMs === 0) this.#speechRunStartMs = nowMs - FRAME_MS;
        this.#lastSpeechFrameMs = nowMs;
      } else {
        this.#speechRunStartMs = 0;
      }
      if (frame.speechStarted) this.#onSpeechStarted(nowMs);
      if (frame.isSpeech) {
        this.#turns.speech();
        this.#interruptions.speech(nowMs);
        this.#silenceTimeoutFired = false;
      }
      if (frame.speechEnded) this.#onSpeechEnded(nowMs);
      if (frame.bargeIn && this.#state === 'SPEAKING') this.#interruptions.begin('barge-in', this.#speechRunStartMs || nowMs, nowMs);
      if (frame.endOfTurn) this.#turnSignal('dsp-endpoint');
    }
    if (this.#options.agent.turn.mode === 'silence' && !this.#callerSpeaking && !this.#silenceTimeoutFired && this.#lastSpeechEndMs
      && nowMs - this.#lastSpeechFrameMs >= this.#options.agent.turn.silenceMs) {
      this.#silenceTimeoutFired = true;
      this.#turnSignal('silence-timeout');
    }
  }

  /** The carrier reports that audio up to this mark has played. */
  onMark(name: string): void {
    // While paused the carrier acknowledges marks early (it dropped the audio): the mark is sent again on resume.
    const callerSpeechEndMs = this.#speaker.callerSpeechEndMs;
    const reply = this.#interruptions.pending ? null : this.#speaker.played(name);
    if (!reply) return;
    this.#chain.setAgentSpeaking(false);
    this.#keepReplyInContext(reply, reply.text);
    this.emit('agentSpeech', { text: reply.text, interrupted: false });
    this.emit('turn', {
      index: reply.index, callerText: reply.index === 0 ? '' : this.#lastCallerTurnText, agentText: reply.text,
      callerSpeechEndMs, agentFirstAudioMs: this.#speaker.firstAudioMs, agentDoneMs: performance.now(),
    });
    this.#setState('LISTENING', 'reply played');
    const after = this.#afterReply;
    this.#afterReply = null;
    if (after?.kind === 'hangup') {
      this.#options.output.hangup(after.reason);
      this.end('agent_hangup', after.reason);
    } else if (after?.kind === 'transfer') {
      this.#transfer(after.target);
    }
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
    this.#turns.dispose();
    this.#interruptions.dispose();
    if (this.#awaitingFinal) clearTimeout(this.#awaitingFinal);
    this.#chain.dispose();
    const asr = this.#asrFeed.detach();
    const tts = this.#speaker.dispose();
    // Sessions close gracefully (Deepgram transcribes what it has after CloseStream); the abort signal then ends
    // anything still connecting or open.
    void Promise.allSettled([asr?.close(), tts?.close()]).finally(() => this.#abort.abort());
    const durationS = (performance.now() - this.#startedMs) / 1000;
    if (this.#asrFeed.droppedEarlyBytes) this.emit('dropped', { queue: 'asr-early', bytes: this.#asrFeed.droppedEarlyBytes });
    if (asr?.droppedBytes) this.emit('dropped', { queue: 'asr-unacked', bytes: asr.droppedBytes });
    if (this.#speaker.droppedBytes) this.emit('dropped', { queue: 'outbound', bytes: this.#speaker.droppedBytes });
    this.emit('usage', { asrAudioS: this.#asrFeed.audioSeconds, telephonyS: durationS, ...this.#speaker.usage });
    this.#saveHistory?.(true);
    this.#setState('ENDED', reason);
    this.emit('ended', { reason, detail, durationS });
    this.removeAllListeners();
  }

  // ---- listening ------------------------------------------------------------------------------------------------

  #onSpeechStarted(nowMs: number): void {
    this.#callerSpeaking = true;
    if (this.#asrWaitFromMs === 0) this.#asrWaitFromMs = this.#speechRunStartMs || nowMs;
    // The caller goes on after we took their turn, before the answer is audible: hold the answer and listen.
    if (this.#state === 'PROCESSING' && this.#speaker.reply && this.#speaker.callerSpeechEndMs !== null) {
      this.#interruptions.begin('continuation', this.#speechRunStartMs || nowMs, nowMs);
    }
  }

  #onSpeechEnded(nowMs: number): void {
    this.#callerSpeaking = false;
    // The VAD declares the end after its hangover; the caller stopped at the last speech frame.
    this.#lastSpeechEndMs = this.#lastSpeechFrameMs || nowMs;
    this.#interruptions.speechEnded();
    const asr = this.#asrFeed.session;
    if (asr?.finalizesOnRequestOnly && (this.#state === 'LISTENING' || this.#interruptions.pending)) asr.finalize();
  }

  #attachAsr(asr: AsrSession): void {
    this.#asrFeed.attach(asr);
    asr.on('transcript', (t) => {
      this.emit('transcript', { text: t.text, isFinal: t.isFinal, confidence: t.confidence });
      const text = t.text.trim();
      if (text && this.#asrWaitFromMs) {
        // ASR time to first byte: from the caller's speech onset to the first words of it.
        this.emit('ttfb', { stage: 'asr', provider: this.#asrName, seconds: (performance.now() - this.#asrWaitFromMs) / 1000 });
        this.#asrWaitFromMs = 0;
      }
      if (t.isFinal && text) {
        const change = this.#language.observe(text, t.language);
        if (change) this.#switchLanguage(change);
      }
      if (this.#interruptions.transcript(text, t.isFinal) || !t.isFinal || !text) return;
      if (this.#state === 'SPEAKING' || this.#state === 'PROCESSING') {
        this.#lateWordsOverAgent(text);
        return;
      }
      this.#callerText = `${this.#callerText} ${text}`.trim();
      if (this.#awaitingFinal) this.#turnSignal('asr-final');
      else if (t.speechFinal) this.#turnSignal('asr-speech-final');
    });
    asr.on('utteranceEnd', () => this.#turnSignal('asr-utterance-end'));
    asr.on('error', (error) => this.#providerError('asr', this.#asrName, error, true));
  }

  /** The caller speaks another of the agent's languages: the next reply is in it, in that language's voice. */
  #switchLanguage(change: LanguageSwitch): void {
    const voice = voiceFor(this.#options.agent, change.to);
    if (this.#tts instanceof VoiceSwitchingTts && voice) this.#tts.setVoice(voice);
    else this.#log.warn({ language: change.to }, 'no voice for the language: the agent answers in it with its current voice');
    this.#context.setStandingNote(languageNote(change));
    this.emit('languageChanged', { ...change, voice: voice ?? '' });
  }

  /**
   * Final words that arrive while the agent talks and no pause is pending: a backchannel or the agent's own echo is
   * ignored; anything else is a caller the dsp did not catch (speaking softly), and takes the turn now.
   */
  #lateWordsOverAgent(text: string): void {
    if (isBackchannel(text) || isEchoOf(text, this.#speaker.reply?.text ?? '')) return;
    const kind = this.#state === 'SPEAKING' ? 'barge-in' : 'continuation';
    this.#interruptions.commitNow(kind, this.#lastSpeechEndMs || performance.now(), performance.now(), text);
  }

  /** An end-of-turn witness spoke: without words yet, ask the ASR for them; with words, let the detector weigh them. */
  #turnSignal(signal: TurnSignal): void {
    if (this.#state !== 'LISTENING' || this.#speaker.reply || this.#ended) return;
    const text = this.#callerText.trim();
    if (text) {
      this.#turns.signal(signal, text);
      return;
    }
    const asr = this.#asrFeed.session;
    if (this.#awaitingFinal || !asr || signal === 'asr-final') return;
    asr.finalize();
    this.#awaitingFinal = setTimeout(() => { this.#awaitingFinal = null; }, this.#options.finalTranscriptTimeoutMs ?? 2500);
  }

  #answerTurn(cause: string): void {
    if (this.#state !== 'LISTENING' || this.#speaker.reply || this.#ended) return;
    const text = this.#callerText.trim();
    if (!text) return;
    if (this.#awaitingFinal) clearTimeout(this.#awaitingFinal);
    this.#awaitingFinal = null;
    this.#callerText = '';
    const speechEndMs = this.#lastSpeechEndMs || performance.now();
    this.emit('endOfTurn', { text, speechEndMs, decidedMs: performance.now(), cause });
    if (this.#continuing) this.#context.extendLastUser(text);
    else this.#context.addUser(text);
    this.#continuing = false;
    const last = this.#context.messages.at(-1);
    this.#lastCallerTurnText = last?.role === 'user' ? last.content : text;
    const { agent } = this.#options;
    const request = this.#context.requestWithin(agent.maxCallTokens, this.#speaker.usage.llmInputTokens + this.#speaker.usage.llmOutputTokens);
    if ('refused' in request) {
      this.#providerError('llm', this.#options.providers.llm.name, request.refused, request.limitReached);
      this.#startReply(speechEndMs).speakText(agent.fallbackReply);
      return;
    }
    const { messages } = request;
    this.#startReply(speechEndMs).generate(this.#options.providers.llm, messages, { model: agent.llm.model, temperature: agent.llm.temperature }, {
      registry: this.#tools.registry, dependsOn: this.#tools.dependsOn, callId: this.id, maxRounds: MAX_TOOL_ROUNDS,
      fillerAfterMs: this.#options.fillerAfterMs ?? 700,
      filler: () => (agent.fillers.length ? agent.fillers[this.#fillerIndex++ % agent.fillers.length] : null),
    });
  }

  // ---- speaking -------------------------------------------------------------------------------------------------

  #speakFixed(text: string): void {
    this.#startReply(null).speakText(text);
  }

  #startReply(callerSpeechEndMs: number | null): Reply {
    const { providers } = this.#options;
    const reply = this.#speaker.start(callerSpeechEndMs, {
      onError: (stage, error) => this.#providerError(stage, stage === 'llm' ? providers.llm.name : this.#ttsName, error, false),
      onToolCall: (call) => this.emit('toolCall', { ref: call.id, name: call.name, argumentsJson: call.argumentsJson }),
      onToolResult: (o) => this.emit('toolResult', { ref: o.id, name: o.name, ok: o.ok, resultJson: JSON.stringify(o.ok ? o.result : o.error) ?? 'null', durationMs: o.durationMs }),
    });
    this.#setState('PROCESSING', callerSpeechEndMs === null ? 'agent speaks first' : 'caller turn ended');
    return reply;
  }

  #keepReplyInContext(reply: Reply, spokenText: string): void {
    for (const message of reply.toolExchanges) {
      if (message.role === 'assistant') this.#context.addAssistant(message.content, message.toolCalls);
      else if (message.role === 'tool') this.#context.addToolResult(message.toolCallId, message.content);
    }
    if (spokenText) this.#context.addAssistant(spokenText);
  }

  // ---- interruptions --------------------------------------------------------------------------------------------

  /** Silence the agent at once: the carrier drops what it buffered, the queue stops, and nothing is lost yet. */
  #pause(): void {
    this.#speaker.pause(this.#options.pacer.leadMs);
    this.#chain.setAgentSpeaking(false);
  }

  #resume(pending: PendingInterruption, kind: 'backchannel' | 'noise'): void {
    if (this.#ended) return;
    this.#speaker.resume();
    if (this.#speaker.firstAudioMs !== 0) this.#chain.setAgentSpeaking(true);
    this.emit('falseInterruption', { onsetMs: pending.onsetMs, pausedMs: pending.pausedMs, resumedMs: performance.now(), callerText: pending.text, kind });
  }

  /** The caller has the turn: cancel the reply (LLM, tools, TTS) and keep in the context only what was heard. */
  #commitInterruption(pending: PendingInterruption, cause: string): void {
    if (this.#ended) return;
    this.#afterReply = null; // the caller cut in: they are not done yet
    const interrupted = this.#speaker.interrupt();
    this.#chain.setAgentSpeaking(false);
    if (interrupted && pending.kind === 'barge-in') {
      this.#keepReplyInContext(interrupted.reply, interrupted.heard);
      this.emit('agentSpeech', { text: interrupted.heard, interrupted: true });
      this.emit('bargeIn', { onsetMs: pending.onsetMs, stoppedMs: pending.pausedMs, committedMs: performance.now(), cause, playedText: interrupted.heard });
    } else if (interrupted) {
      // Nothing was audible yet: the caller's words continue their own turn.
      this.#keepReplyInContext(interrupted.reply, '');
      this.#continuing = interrupted.reply.toolExchanges.length === 0;
    }
    this.#callerText = pending.finals.join(' ');
    this.#setState('LISTENING', pending.kind === 'barge-in' ? 'barge-in' : 'caller continued');
    // The end-of-turn witnesses may have spoken during the pause; if the caller is already silent, weigh now.
    if (this.#callerText && !this.#callerSpeaking) this.#turnSignal('asr-final');
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
