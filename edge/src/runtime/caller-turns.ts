// What a call hears and when the caller's turn ends: inbound frames through the dsp chain to the ASR, the speech
// run and silence tracking, the ASR's transcripts, and the end-of-turn witnesses (dsp endpoint, the ASR's
// end-of-speech signals, a silence timeout) weighed by the TurnDetector. It decides nothing about replies: a turn
// that ends goes to `turnEnded`, caller sound over the agent to the InterruptionArbiter.
import { InboundChain } from '@invorto/dsp/inbound-chain.ts';
import type { AsrSession, AsrTurnInfo } from '../providers/types.ts';
import type { CallState } from './call-events.ts';
import type { CallerTurnsHooks, CallerTurnsOptions } from './caller-turns-hooks.ts';
import { AsrFeed } from './asr-feed.ts';
import { isEchoOf, isUnsureWord, type AudioSpan, type InterruptionArbiter } from './interruption.ts';
import { TurnDetector, type TurnSignal } from './turn-detector.ts';
import { OwedWords } from './owed-words.ts';
import { TentativeEnd } from './tentative-end.ts';
import { isBackchannel } from './turn-text.ts';

const FRAME_MS = 20;

export class CallerTurns {
  readonly #options: CallerTurnsOptions;
  readonly #hooks: CallerTurnsHooks;
  readonly #chain: InboundChain;
  readonly #asrFeed: AsrFeed;
  readonly #turns: TurnDetector;
  readonly #interruptions: InterruptionArbiter;
  /** The payload of every 'frame' event, reused: listeners read it during the event, never keep it. */
  readonly #frameEvent = { processingNs: 0, speech: false, rmsDb: 0 };
  #callerText = '';
  #lastSpeechEndMs = 0;
  #lastSpeechFrameMs = 0;
  #callerSpeaking = false;
  /** When the caller began the speech whose first words the ASR has not yet given (0: none pending). */
  #asrWaitFromMs = 0;
  #silenceTimeoutFired = false;
  /** Start of the current run of speech frames (raw VAD, no debounce): where a barge-in began. */
  #speechRunStartMs = 0;
  /** Caller audio analysed so far (ms), and where in it the current run of speech frames began. */
  #heardAudioMs = 0;
  #speechRunStartAudioMs = 0;
  #lastSpeechEndAudioMs = 0;
  #awaitingFinal: NodeJS.Timeout | null = null;
  /** Words of the caller's latest speech the ASR has not given yet: witnesses wait for them. */
  readonly #owedWords = new OwedWords((signal) => this.#turnSignal(signal));
  /** Agents that prepare replies before the turn is confirmed (turn.speculative, on unless "off") watch for tentative ends. */
  readonly #tentative: TentativeEnd | null;
  /** The ASR models turns and just ended one (Flux EndOfTurn): its final transcript, which follows, ends ours. */
  #asrEndedTurn = false;

  constructor(options: CallerTurnsOptions) {
    this.#options = options;
    this.#hooks = options.hooks;
    this.#interruptions = options.interruptions;
    const { agent, format } = options;
    this.#chain = new InboundChain({ codec: format.encoding, sampleRateHz: format.sampleRateHz as 8000 | 16000, silenceMs: agent.turn.silenceMs, eagerness: agent.turn.eagerness });
    const bytesPerMs = (format.sampleRateHz / 1000) * (format.encoding === 'l16' ? 2 : 1);
    this.#tentative = agent.turn.speculative !== 'off' ? new TentativeEnd({
      listening: () => this.#hooks.state() === 'LISTENING' && !this.#hooks.replying() && !this.#hooks.ended(),
      finalize: () => this.#asrFeed.session?.finalize(),
      // The ASR's speech_final carries words and comes no earlier than its window: so does its stand-in.
      windowPassed: () => { if (this.#callerText.trim()) this.#turnSignal('asr-speech-final'); },
      mayEnd: (text) => this.#hooks.turnMayEnd(text),
      goesOn: (reason) => this.#hooks.turnGoesOn(reason),
    }) : null;
    this.#asrFeed = new AsrFeed(bytesPerMs * 1000, () => this.#hooks.asrName());
    this.#turns = new TurnDetector({ mode: agent.turn.mode ?? 'smart', eagerness: agent.turn.eagerness }, {
      end: (cause) => this.#answerTurn(cause),
      held: (reason, holdMs) => this.#hooks.emit('turnHeld', { text: this.#callerText, reason, holdMs }),
    });
  }

  get feed(): AsrFeed {
    return this.#asrFeed;
  }

  /** Caller audio analysed so far (ms since the call began). */
  get heardAudioMs(): number {
    return this.#heardAudioMs;
  }

  /** The agent's audio is (not) playing: the dsp's barge-in detection and echo reference follow it. */
  setAgentSpeaking(speaking: boolean): void {
    this.#chain.setAgentSpeaking(speaking);
  }

  /** A frame of the agent's outbound audio (the echo reference). */
  hearAgent(frame: Uint8Array): void {
    this.#chain.pushAgentAudio(frame);
  }

  /** Inbound media from the carrier, in the call's format, any length. */
  push(payload: Uint8Array): void {
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
    const state = this.#hooks.state;
    for (const frame of analyses) {
      this.#heardAudioMs += FRAME_MS;
      frameEvent.speech = frame.isSpeech;
      frameEvent.rmsDb = frame.rmsDbfs;
      this.#hooks.emit('frame', frameEvent);
      if (frame.speechProbability > 0.5) {
        if (this.#speechRunStartMs === 0) {
          this.#speechRunStartMs = nowMs - FRAME_MS;
          this.#speechRunStartAudioMs = this.#heardAudioMs - FRAME_MS;
        }
        this.#lastSpeechFrameMs = nowMs;
        this.#owedWords.speech();
      } else {
        this.#speechRunStartMs = 0;
      }
      this.#tentative?.frame(frame.speechProbability > 0.5, FRAME_MS);
      if (frame.speechStarted) this.#onSpeechStarted(nowMs);
      if (frame.isSpeech) {
        this.#turns.speech();
        this.#interruptions.speech(nowMs, frame.speechProbability > 0.5);
        this.#silenceTimeoutFired = false;
      }
      if (frame.speechEnded) this.#onSpeechEnded(nowMs);
      if (frame.bargeIn && state() === 'SPEAKING') this.#interruptions.begin('barge-in', this.#speechRunStartMs || nowMs, nowMs, this.#audioSpan());
      if (frame.endOfTurn) this.#turnSignal('dsp-endpoint');
    }
    const { turn } = this.#options.agent;
    if (turn.mode === 'silence' && !this.#callerSpeaking && !this.#silenceTimeoutFired && this.#lastSpeechEndMs
      && nowMs - this.#lastSpeechFrameMs >= turn.silenceMs) {
      this.#silenceTimeoutFired = true;
      this.#turnSignal('silence-timeout');
    }
  }

  /** The ASR session is open: it hears what the caller said while it connected, then everything. */
  attachAsr(asr: AsrSession): void {
    this.#asrFeed.attach(asr);
    asr.on('transcript', (t) => {
      this.#hooks.emit('transcript', { text: t.text, isFinal: t.isFinal, confidence: t.confidence });
      const endedByAsr = t.isFinal && this.#asrEndedTurn;
      if (t.isFinal) this.#asrEndedTurn = false;
      const coversSpeech = t.isFinal && this.#owedWords.final(performance.now() - this.#lastSpeechFrameMs);
      const text = t.text.trim();
      if (text && this.#asrWaitFromMs) {
        // ASR time to first byte: from the caller's speech onset to the first words of it.
        this.#hooks.emit('ttfb', { stage: 'asr', provider: this.#hooks.asrName(), seconds: (performance.now() - this.#asrWaitFromMs) / 1000 });
        this.#asrWaitFromMs = 0;
      }
      if (t.isFinal && text) {
        const change = this.#options.language.observe(text, t.language);
        if (change) this.#hooks.languageChanged(change);
      }
      if (this.#interruptions.transcript(text, t.isFinal, t.confidence) || !t.isFinal) return;
      const state = this.#hooks.state();
      if (text && (state === 'SPEAKING' || state === 'PROCESSING')) {
        this.#lateWordsOverAgent(text, state, t.confidence);
        return;
      }
      if (text) {
        this.#callerText = `${this.#callerText} ${text}`.trim();
        if (this.#awaitingFinal || endedByAsr) this.#turnSignal('asr-final');
        else if (t.speechFinal || this.#tentative?.windowPassed) this.#turnSignal('asr-speech-final');
      }
      // A final after the caller stopped (words, or none: an early final already had them all) ends what was owed.
      if (coversSpeech) this.#owedWords.settle();
      if (text || coversSpeech) this.#tentative?.words(this.#callerText.trim(), this.#turns.holding);
    });
    asr.on('utteranceEnd', () => this.#turnSignal('asr-utterance-end'));
    asr.on('turn', (turn) => this.#asrTurn(turn));
    asr.on('error', (error) => this.#hooks.asrError(error));
    asr.on('failover', (change) => this.#hooks.asrFailover(change));
    asr.on('closed', ({ reason }) => { if (this.#asrFeed.session === asr) this.#hooks.asrLost(reason); });
  }

  /** The caller took the turn over the agent: their words so far (`finals`) begin it. */
  takeTurn(finals: string[]): void {
    this.#callerText = finals.join(' ');
  }

  /** After takeTurn, once the call listens again: if the caller is already silent, the held words are weighed now. */
  weighHeldWords(): void {
    if (this.#callerText && !this.#callerSpeaking) this.#turnSignal('asr-final');
  }

  /** Stops timers and dsp state; hands the ASR session over for closing. */
  dispose(): AsrSession | null {
    this.#turns.dispose();
    this.#owedWords.reset();
    if (this.#awaitingFinal) clearTimeout(this.#awaitingFinal);
    this.#chain.dispose();
    return this.#asrFeed.detach();
  }

  #onSpeechStarted(nowMs: number): void {
    this.#callerSpeaking = true;
    if (this.#asrWaitFromMs === 0) this.#asrWaitFromMs = this.#speechRunStartMs || nowMs;
    this.#tentative?.speechStarted();
    // The caller goes on after we took their turn, before the answer is audible: hold the answer and listen.
    if (this.#hooks.state() === 'PROCESSING' && this.#hooks.answerPending()) {
      this.#interruptions.begin('continuation', this.#speechRunStartMs || nowMs, nowMs, this.#audioSpan());
    }
  }

  #onSpeechEnded(nowMs: number): void {
    this.#callerSpeaking = false;
    // The VAD declares the end after its hangover; the caller stopped at the last speech frame.
    this.#lastSpeechEndMs = this.#lastSpeechFrameMs || nowMs;
    this.#lastSpeechEndAudioMs = this.#heardAudioMs;
    this.#interruptions.speechEnded();
    const asr = this.#asrFeed.session;
    if (asr?.finalizesOnRequestOnly && (this.#hooks.state() === 'LISTENING' || this.#interruptions.pending)) asr.finalize();
  }

  /**
   * Final words that arrive while the agent talks and no pause is pending: a backchannel or the agent's own echo is
   * ignored, and so is one unsure word (a cough the engine made a word of, decided after its pause resumed);
   * anything else is a caller the dsp did not catch (speaking softly), and takes the turn now.
   */
  #lateWordsOverAgent(text: string, state: CallState, confidence: number): void {
    if (isBackchannel(text) || isUnsureWord(text, confidence) || isEchoOf(text, this.#hooks.agentText())) return;
    const kind = state === 'SPEAKING' ? 'barge-in' : 'continuation';
    const audio = { onsetMs: this.#lastSpeechEndAudioMs || this.#heardAudioMs, pausedMs: this.#heardAudioMs };
    this.#interruptions.commitNow(kind, this.#lastSpeechEndMs || performance.now(), performance.now(), text, audio);
  }

  /**
   * An ASR that models the caller's turn (Deepgram Flux): its EndOfTurn is a witness as strong as the dsp endpoint
   * (the final transcript that comes with it ends the turn, the word rules still apply), its EagerEndOfTurn prepares
   * a speculative reply on the turn's words and its TurnResumed withdraws it (turn.speculative on).
   */
  #asrTurn(turn: AsrTurnInfo): void {
    if (turn.event === 'EndOfTurn') this.#asrEndedTurn = true;
    else if (turn.event === 'EagerEndOfTurn') this.#tentative?.eager(`${this.#callerText} ${turn.transcript}`.trim());
    else if (turn.event === 'TurnResumed') this.#tentative?.withdraw('the caller went on');
  }

  /** From the start of the current speech run to the frame just analysed, in caller audio. */
  #audioSpan(): AudioSpan {
    return { onsetMs: this.#speechRunStartMs ? this.#speechRunStartAudioMs : this.#heardAudioMs - FRAME_MS, pausedMs: this.#heardAudioMs };
  }

  /**
   * An end-of-turn witness spoke: without words yet, ask the ASR for them; with words, let the detector weigh them,
   * once the ASR has given the words of the caller's latest speech (until then the witness waits, the strongest one
   * kept: the dsp endpoint over the ASR's own signals).
   */
  #turnSignal(signal: TurnSignal): void {
    if (this.#hooks.state() !== 'LISTENING' || this.#hooks.replying() || this.#hooks.ended()) return;
    const text = this.#callerText.trim();
    if (text && this.#owedWords.defer(signal)) return;
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
    if (this.#hooks.state() !== 'LISTENING' || this.#hooks.replying() || this.#hooks.ended()) return;
    const text = this.#callerText.trim();
    if (!text) return;
    if (this.#awaitingFinal) clearTimeout(this.#awaitingFinal);
    this.#awaitingFinal = null;
    this.#owedWords.reset();
    this.#callerText = '';
    this.#tentative?.turnAnswered(); // the answer takes the prepared reply, or withdraws it when the words differ
    const speechEndMs = this.#lastSpeechEndMs || performance.now();
    this.#hooks.emit('endOfTurn', { text, speechEndMs, decidedMs: performance.now(), cause });
    this.#hooks.turnEnded(text, speechEndMs);
  }
}
