// One call's agent runtime: inbound frames -> dsp -> ASR; end of turn -> LLM -> TTS -> paced outbound frames.
// States: IDLE -> LISTENING -> PROCESSING -> SPEAKING -> LISTENING; every transition is an event with a reason.
import { InboundChain } from '@invorto/dsp/inbound-chain.ts';
import type { AgentConfig } from '../agents/types.ts';
import type { AsrProvider, AsrSession, ChatMessage, LlmClient, TtsProvider, TtsSession } from '../providers/types.ts';
import type { CallStart, CarrierOutput } from '../transports/types.ts';
import { TypedEmitter } from '../util/typed-emitter.ts';
import type { Logger } from '../util/log.ts';
import type { CallEvents, CallState, EndReason } from './call-events.ts';
import { OutboundAudio, type OutboundMarker } from './outbound-audio.ts';
import type { Pacer } from './pacer.ts';
import { Reply } from './reply.ts';

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
  /** How long to wait for the ASR's final transcript after the local endpoint fired. */
  finalTranscriptTimeoutMs?: number;
}

const FRAME_MS = 20;
const MAX_EARLY_ASR_FRAMES = 150; // 3 s of audio kept while the ASR connects, so the first words are not lost
const BATCH_PREROLL_FRAMES = 15; // batch engines get speech only, plus 300 ms before its onset
const ASR_UNAVAILABLE_NOTICE = 'Speech recognition is not available on this server, so I cannot hear you. Please ask the operator to install it.';

export class Call extends TypedEmitter<CallEvents> {
  readonly id: string;
  readonly #options: CallOptions;
  readonly #log: Logger;
  readonly #chain: InboundChain;
  readonly #outbound: OutboundAudio;
  readonly #bytesPer20Ms: number;
  readonly #abort = new AbortController();
  readonly #history: ChatMessage[];
  readonly #startedMs = performance.now();
  #state: CallState = 'IDLE';
  #asr: AsrSession | null = null;
  #tts: TtsSession | null = null;
  #earlyAsrFrames: Uint8Array[] | null = [];
  #preroll: Uint8Array[] = [];
  #callerText = '';
  #lastCallerTurnText = '';
  #replyStartedMs = 0;
  #lastSpeechEndMs = 0;
  #lastSpeechFrameMs = 0;
  /** Start of the current run of speech frames (raw VAD, no debounce): where a barge-in began. */
  #speechRunStartMs = 0;
  #awaitingFinal: NodeJS.Timeout | null = null;
  #reply: Reply | null = null;
  #replyIndex = 0;
  #replyCallerSpeechEndMs: number | null = null;
  #replyFirstAudioMs = 0;
  #replyFramesAtSentenceEnd = 0;
  #discardTtsAudio = false;
  #asrFrames = 0;
  #llmUsage = { input: 0, output: 0, model: '' };
  #ttsCharacters = 0;
  #ended = false;

  constructor(options: CallOptions) {
    super();
    this.#options = options;
    this.id = options.callId;
    this.#log = options.log;
    const { format } = options.start;
    this.#chain = new InboundChain({
      codec: format.encoding,
      sampleRateHz: format.sampleRateHz as 8000 | 16000,
      silenceMs: options.agent.turn.silenceMs,
      eagerness: options.agent.turn.eagerness,
    });
    this.#outbound = new OutboundAudio(
      {
        ready: () => options.output.writable(),
        sendFrame: (frame) => this.#sendFrame(frame),
        onMarker: (marker) => this.#onMarker(marker),
        onIdle: () => {},
      },
      {
        frameBytes: options.output.chunkBytes,
        frameMs: (options.output.chunkBytes / ((format.sampleRateHz / 1000) * (format.encoding === 'l16' ? 2 : 1))),
        silenceByte: format.encoding === 'mulaw' ? 0xff : format.encoding === 'alaw' ? 0xd5 : 0,
      },
    );
    this.#bytesPer20Ms = (format.sampleRateHz / 50) * (format.encoding === 'l16' ? 2 : 1);
    this.#history = [{ role: 'system', content: options.agent.systemPrompt }];
  }

  get state(): CallState {
    return this.#state;
  }

  get history(): readonly ChatMessage[] {
    return this.#history;
  }

  /** Connects the providers (in parallel, before the caller speaks) and plays the greeting. */
  async begin(): Promise<void> {
    const { start, transport, agent, providers } = this.#options;
    this.emit('started', { transport, carrierCallId: start.carrierCallId, codec: start.format.encoding, sampleRateHz: start.format.sampleRateHz, parameters: start.parameters });
    this.#options.pacer.add(this.#outbound);
    const context = { callId: this.id, language: agent.language, signal: this.#abort.signal };
    const format = { encoding: start.format.encoding === 'l16' ? 'linear16' as const : start.format.encoding, sampleRateHz: start.format.sampleRateHz };
    const [asr, tts] = await Promise.allSettled([
      providers.asr.open(context, { format, model: agent.asr.model }),
      providers.tts.open(context, { format, voice: agent.tts.voice }),
    ]);
    if (this.#ended) {
      if (asr.status === 'fulfilled') void asr.value.close();
      if (tts.status === 'fulfilled') void tts.value.close();
      return;
    }
    if (tts.status === 'rejected') {
      this.#providerError('tts', providers.tts.name, tts.reason as Error, false);
      if (asr.status === 'fulfilled') void asr.value.close();
      this.end('error', `text-to-speech unavailable: ${(tts.reason as Error).message}`);
      return;
    }
    this.#attachTts(tts.value);
    this.#setState('LISTENING', 'call started');
    if (asr.status === 'rejected') {
      this.#providerError('asr', providers.asr.name, asr.reason as Error, false);
      this.#earlyAsrFrames = null;
      this.#speakFixed(ASR_UNAVAILABLE_NOTICE);
      return;
    }
    this.#attachAsr(asr.value);
    if (agent.greeting) this.#speakFixed(agent.greeting);
  }

  /** Inbound media from the carrier, in the call's format, any length. */
  pushAudio(payload: Uint8Array): void {
    if (this.#ended || payload.length === 0) return;
    const started = process.hrtime.bigint();
    const analyses = this.#chain.process(payload);
    const perFrameNs = analyses.length ? Number(process.hrtime.bigint() - started) / analyses.length : 0;
    if (this.#asr) {
      this.#sendToAsr(this.#asr, payload, analyses.some((a) => a.isSpeech));
    } else if (this.#earlyAsrFrames && this.#earlyAsrFrames.length < MAX_EARLY_ASR_FRAMES) {
      this.#earlyAsrFrames.push(payload.slice());
    }
    const nowMs = performance.now();
    for (const frame of analyses) {
      this.emit('frame', { processingNs: perFrameNs, speech: frame.isSpeech });
      if (frame.speechProbability > 0.5) {
        if (this.#speechRunStartMs === 0) this.#speechRunStartMs = nowMs - FRAME_MS;
        this.#lastSpeechFrameMs = nowMs;
      } else {
        this.#speechRunStartMs = 0;
      }
      if (frame.speechEnded) {
        // The VAD declares the end after its hangover; the caller stopped at the last speech frame.
        this.#lastSpeechEndMs = this.#lastSpeechFrameMs || nowMs;
        if (this.#asr?.finalizesOnRequestOnly && this.#state === 'LISTENING') this.#asr.finalize();
      }
      if (frame.bargeIn && (this.#state === 'SPEAKING' || this.#state === 'PROCESSING')) this.#bargeIn(nowMs);
      if (frame.endOfTurn && this.#state === 'LISTENING') this.#endOfTurn('dsp-endpoint');
    }
  }

  /** The carrier reports that audio up to this mark has played. */
  onMark(name: string): void {
    if (!this.#reply || name !== `reply-${this.#reply.index}`) return;
    const reply = this.#reply;
    this.#reply = null;
    this.#chain.setAgentSpeaking(false);
    this.#history.push({ role: 'assistant', content: reply.text });
    this.emit('agentSpeech', { text: reply.text, interrupted: false });
    this.emit('turn', {
      index: reply.index,
      callerText: reply.index === 0 ? '' : this.#lastCallerTurnText,
      agentText: reply.text,
      callerSpeechEndMs: this.#replyCallerSpeechEndMs,
      agentFirstAudioMs: this.#replyFirstAudioMs,
      agentDoneMs: performance.now(),
    });
    this.#setState('LISTENING', 'reply played');
  }

  onDtmf(digit: string): void {
    this.#log.info({ digit }, 'dtmf');
  }

  /** Ends the call once: closes provider sessions, timers and dsp state, then reports `ended`. */
  end(reason: EndReason, detail = ''): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#reply?.cancel();
    if (this.#awaitingFinal) clearTimeout(this.#awaitingFinal);
    this.#options.pacer.remove(this.#outbound);
    this.#outbound.clear();
    this.#chain.dispose();
    const asr = this.#asr;
    const tts = this.#tts;
    this.#asr = null;
    this.#tts = null;
    // Sessions close gracefully (Deepgram transcribes what it has after CloseStream); the abort signal then ends
    // anything still connecting or open.
    void Promise.allSettled([asr?.close(), tts?.close()]).finally(() => this.#abort.abort());
    const durationS = (performance.now() - this.#startedMs) / 1000;
    this.emit('usage', {
      asrAudioS: this.#asrFrames * (FRAME_MS / 1000),
      llmInputTokens: this.#llmUsage.input,
      llmOutputTokens: this.#llmUsage.output,
      ttsCharacters: this.#ttsCharacters,
      telephonyS: durationS,
      llmModel: this.#llmUsage.model,
    });
    this.#setState('ENDED', reason);
    this.emit('ended', { reason, detail, durationS });
    this.removeAllListeners();
  }

  /** Streaming engines hear everything; batch engines only speech, so a decode never wades through silence. */
  #sendToAsr(asr: AsrSession, payload: Uint8Array, speech: boolean): void {
    if (asr.finalizesOnRequestOnly && !speech) {
      this.#preroll.push(payload.slice());
      if (this.#preroll.length > BATCH_PREROLL_FRAMES) this.#preroll.shift();
      return;
    }
    for (const frame of this.#preroll) this.#pushAsr(asr, frame);
    this.#preroll.length = 0;
    this.#pushAsr(asr, payload);
  }

  #pushAsr(asr: AsrSession, payload: Uint8Array): void {
    asr.push(payload);
    this.#asrFrames += payload.length / this.#bytesPer20Ms;
  }

  #attachAsr(asr: AsrSession): void {
    this.#asr = asr;
    for (const frame of this.#earlyAsrFrames ?? []) this.#sendToAsr(asr, frame, true);
    this.#earlyAsrFrames = null;
    asr.on('transcript', (t) => {
      this.emit('transcript', { text: t.text, isFinal: t.isFinal, confidence: t.confidence });
      if (!t.isFinal || !t.text.trim()) return;
      this.#callerText = `${this.#callerText} ${t.text.trim()}`.trim();
      if (this.#awaitingFinal || (t.speechFinal && this.#state === 'LISTENING')) this.#endOfTurn(t.speechFinal ? 'asr-speech-final' : 'asr-final');
    });
    asr.on('utteranceEnd', () => { if (this.#state === 'LISTENING') this.#endOfTurn('asr-utterance-end'); });
    asr.on('error', (error) => this.#providerError('asr', this.#options.providers.asr.name, error, true));
  }

  #attachTts(tts: TtsSession): void {
    this.#tts = tts;
    tts.on('audio', (audio) => {
      if (this.#discardTtsAudio || !this.#reply) return;
      // The reply's first TTS audio: time to first byte counts from its first speakable text (reset after).
      if (this.#replyStartedMs) {
        this.emit('ttfb', { stage: 'tts', provider: this.#options.providers.tts.name, seconds: (performance.now() - this.#replyStartedMs) / 1000 });
        this.#replyStartedMs = 0;
      }
      this.#outbound.pushAudio(audio);
    });
    tts.on('flushed', ({ sequence }) => {
      const sentence = this.#reply?.takeFlushed(sequence);
      if (sentence) this.#outbound.pushMarker({ kind: 'sentence-end', text: sentence });
    });
    tts.on('error', (error) => this.#providerError('tts', this.#options.providers.tts.name, error, true));
  }

  /** The turn may be over: wait for the ASR's final text when we do not have it yet, then answer. */
  #endOfTurn(cause: string): void {
    if (this.#state !== 'LISTENING' || this.#reply) return;
    const text = this.#callerText.trim();
    if (!text) {
      if (this.#awaitingFinal || !this.#asr) return;
      this.#asr.finalize();
      this.#awaitingFinal = setTimeout(() => { this.#awaitingFinal = null; }, this.#options.finalTranscriptTimeoutMs ?? 2500);
      return;
    }
    if (this.#awaitingFinal) clearTimeout(this.#awaitingFinal);
    this.#awaitingFinal = null;
    this.#callerText = '';
    const speechEndMs = this.#lastSpeechEndMs || performance.now();
    this.emit('endOfTurn', { text, speechEndMs, decidedMs: performance.now(), cause });
    this.#lastCallerTurnText = text;
    this.#history.push({ role: 'user', content: text });
    this.#startReply(speechEndMs).generate(this.#options.providers.llm, this.#history.slice(), {
      model: this.#options.agent.llm.model,
      temperature: this.#options.agent.llm.temperature,
    });
  }

  #speakFixed(text: string): void {
    this.#startReply(null).speakText(text);
  }

  #startReply(callerSpeechEndMs: number | null): Reply {
    this.#reply?.cancel();
    const index = this.#replyIndex++;
    this.#replyCallerSpeechEndMs = callerSpeechEndMs;
    this.#replyFirstAudioMs = 0;
    this.#replyStartedMs = performance.now();
    this.#discardTtsAudio = false;
    this.#outbound.framesPlayed = 0;
    this.#replyFramesAtSentenceEnd = 0;
    const reply = new Reply(index, this.#tts!, {
      onFirstToken: () => {
        this.emit('ttfb', { stage: 'llm', provider: this.#options.providers.llm.name, seconds: (performance.now() - this.#replyStartedMs) / 1000 });
        this.#replyStartedMs = performance.now(); // TTS time to first byte counts from the first text it could speak
      },
      onSpoken: () => {
        this.#outbound.pushMarker({ kind: 'mark', name: `reply-${index}` });
        this.#llmUsage.input += reply.usage.inputTokens;
        this.#llmUsage.output += reply.usage.outputTokens;
        this.#llmUsage.model = reply.usage.model || this.#llmUsage.model;
        this.#ttsCharacters += reply.usage.ttsCharacters;
      },
      onError: (stage, error) => {
        const provider = stage === 'llm' ? this.#options.providers.llm.name : this.#options.providers.tts.name;
        this.#providerError(stage, provider, error, false);
      },
    });
    this.#reply = reply;
    this.#setState('PROCESSING', callerSpeechEndMs === null ? 'agent speaks first' : 'caller turn ended');
    return reply;
  }

  #sendFrame(frame: Uint8Array): boolean {
    if (this.#reply && this.#replyFirstAudioMs === 0) {
      this.#replyFirstAudioMs = performance.now();
      this.#chain.setAgentSpeaking(true);
      this.#setState('SPEAKING', 'first audio');
    }
    this.#chain.pushAgentAudio(frame);
    return this.#options.output.sendAudio(frame);
  }

  #onMarker(marker: OutboundMarker): void {
    if (marker.kind === 'mark') {
      this.#options.output.sendMark(marker.name);
    } else if (this.#reply) {
      this.#reply.playedSentences.push(marker.text);
      this.#replyFramesAtSentenceEnd = this.#outbound.framesPlayed;
    }
  }

  /** Caller speech while the agent talks: silence the agent at once and keep only what was heard. */
  #bargeIn(nowMs: number): void {
    const reply = this.#reply;
    if (!reply) return;
    this.#options.output.clear();
    this.#outbound.clear();
    this.#discardTtsAudio = true;
    reply.cancel();
    this.#tts?.clear();
    this.#reply = null;
    this.#chain.setAgentSpeaking(false);
    // ~2.5 words a second of speech: the share of the sentence in progress that its frames covered.
    const framesIntoSentence = this.#outbound.framesPlayed - this.#replyFramesAtSentenceEnd;
    const remainingWords = Math.max(1, reply.text.split(/\s+/).length - reply.playedSentences.join(' ').split(/\s+/).filter(Boolean).length);
    const heard = reply.heardText((framesIntoSentence * FRAME_MS) / 1000 * 2.5 / remainingWords);
    if (heard) this.#history.push({ role: 'assistant', content: heard });
    this.emit('agentSpeech', { text: heard, interrupted: true });
    this.emit('bargeIn', { onsetMs: this.#speechRunStartMs || nowMs, stoppedMs: performance.now(), committedMs: performance.now(), cause: 'sustained-speech', playedText: heard });
    this.#setState('LISTENING', 'barge-in');
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
