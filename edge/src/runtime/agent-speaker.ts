// The agent's voice in one call: the TTS session, the paced outbound queue, and the reply being spoken. It knows
// when the reply's first frame went out, can pause and resume it, and when it is interrupted says what the caller
// heard of it. The Call decides when to speak and when to stop; this class does the speaking.
import type { TtsSession } from '../providers/types.ts';
import { VoiceSwitchingTts } from '../providers/voice-switching-tts.ts';
import type { CarrierOutput } from '../transports/types.ts';
import type { Logger } from '../util/log.ts';
import { OutboundAudio, type OutboundMarker, type PausePoint } from './outbound-audio.ts';
import type { Pacer } from './pacer.ts';
import { Reply, type ReplyHooks } from './reply.ts';
import { UsageMeter } from './usage-meter.ts';
import { frameDucker } from './ducking.ts';

/** More queued reply audio than this is refused (and counted): a runaway reply cannot grow memory without bound. */
const MAX_QUEUED_MS = 60_000;
/** Sentences go to TTS only while less than this much of the reply's audio is queued ahead of playback. */
const TTS_AHEAD_MS = 8000;

export interface SpeakerHooks {
  /** The reply's first frame is going out. */
  firstAudio(): void;
  /** Every frame the agent sends (the dsp's echo guard listens to it). */
  agentFrame(frame: Uint8Array): void;
  /** `provider`: the engine that served, when it was a fallback rather than the configured one. */
  ttfb(stage: 'llm' | 'tts', seconds: number, provider?: string): void;
  /** The TTS engine serving now (the failover session's current one): its characters are billed to it. */
  ttsProvider(): string;
}

export class AgentSpeaker {
  readonly #output: CarrierOutput;
  readonly #pacer: Pacer;
  readonly #hooks: SpeakerHooks;
  readonly #log: Logger;
  readonly #outbound: OutboundAudio;
  #tts: TtsSession | null = null;
  /** The voice the session was opened with (a multilingual session says its current one itself). */
  #voice = '';
  #reply: Reply | null = null;
  #replyIndex = 0;
  #callerSpeechEndMs: number | null = null;
  #firstAudioMs = 0;
  #ttfbFromMs = 0;
  #discardTtsAudio = false;
  #pausePoint: PausePoint | null = null;
  /** The current reply is prepared before the caller's turn is confirmed: its audio is held, its tools wait. */
  #speculative = false;
  /** Frames go out quieter while caller sound over the agent is weighed (turn.overlap "duck"). */
  #ducked = false;
  readonly #duck: (frame: Uint8Array) => Uint8Array;
  /** LLM tokens and TTS characters of every reply, by model and by engine and voice. */
  readonly usage = new UsageMeter();

  constructor(options: { output: CarrierOutput; pacer: Pacer; log: Logger; hooks: SpeakerHooks }) {
    this.#output = options.output;
    this.#pacer = options.pacer;
    this.#hooks = options.hooks;
    this.#log = options.log;
    const { format, chunkBytes } = options.output;
    const bytesPerMs = (format.sampleRateHz / 1000) * (format.encoding === 'l16' ? 2 : 1);
    this.#duck = frameDucker(format.encoding);
    this.#outbound = new OutboundAudio(
      { ready: () => this.#output.writable(), sendFrame: (frame) => this.#sendFrame(frame), onMarker: (marker) => this.#onMarker(marker), onIdle: () => {} },
      {
        frameBytes: chunkBytes, frameMs: chunkBytes / bytesPerMs, encoding: format.encoding, maxQueuedMs: MAX_QUEUED_MS,
        silenceByte: format.encoding === 'mulaw' ? 0xff : format.encoding === 'alaw' ? 0xd5 : 0,
      },
    );
  }

  get reply(): Reply | null {
    return this.#reply;
  }

  /** The current reply answers a caller turn that ended then (null for the greeting and notices). */
  get callerSpeechEndMs(): number | null {
    return this.#callerSpeechEndMs;
  }

  /** The current reply is speculative: not audible, not an answer yet (confirm or interrupt decides). */
  get speculative(): boolean {
    return this.#speculative;
  }

  /** When the current reply's first frame went out (0: not yet). */
  get firstAudioMs(): number {
    return this.#firstAudioMs;
  }

  get droppedBytes(): number {
    return this.#outbound.droppedBytes;
  }

  /** The TTS session, opened in `voice`, is open: the voice joins the node's 20 ms clock. */
  attach(tts: TtsSession, voice: string, onError: (error: Error) => void): void {
    this.#tts = tts;
    this.#voice = voice;
    this.#pacer.add(this.#outbound);
    tts.on('audio', (audio) => {
      if (this.#discardTtsAudio || !this.#reply) return;
      // The reply's first TTS audio: time to first byte counts from its first speakable text (reset after).
      if (this.#ttfbFromMs) {
        this.#hooks.ttfb('tts', (performance.now() - this.#ttfbFromMs) / 1000);
        this.#ttfbFromMs = 0;
      }
      this.#reply.addAudio(audio.length);
      if (!this.#outbound.pushAudio(audio)) this.#log.warn({ droppedBytes: this.#outbound.droppedBytes }, 'outbound audio over its bound: dropped');
    });
    tts.on('flushed', ({ sequence }) => {
      const sentence = this.#reply?.takeFlushed(sequence);
      if (sentence) this.#outbound.pushMarker({ kind: 'sentence-end', text: sentence });
    });
    tts.on('error', onError);
  }

  /**
   * Starts a reply (cancelling one in progress); the caller of this drives it (speakText or generate). A speculative
   * reply's audio is queued but not sent, and its tools wait, until `confirm`.
   */
  start(callerSpeechEndMs: number | null, hooks: Pick<ReplyHooks, 'onError' | 'onToolCall' | 'onToolResult' | 'onFailover' | 'onLlmUsage'>, speculative = false): Reply {
    if (this.#reply) this.#drop(this.#reply);
    const index = this.#replyIndex++;
    this.#callerSpeechEndMs = callerSpeechEndMs;
    this.#firstAudioMs = 0;
    this.#ttfbFromMs = performance.now();
    this.#discardTtsAudio = false;
    this.#speculative = speculative;
    this.#ducked = false;
    this.#outbound.pushMarker({ kind: 'reply-start' });
    if (speculative) this.#outbound.hold();
    const reply: Reply = new Reply(index, this.#tts!, {
      ...hooks,
      canSpeak: () => this.#outbound.queuedMs < TTS_AHEAD_MS,
      onFirstToken: (provider) => {
        this.#hooks.ttfb('llm', (performance.now() - this.#ttfbFromMs) / 1000, provider);
        this.#ttfbFromMs = performance.now(); // TTS time to first byte counts from the first text it could speak
      },
      onSpoken: () => this.#outbound.pushMarker({ kind: 'mark', name: markName(index) }),
      onLlmUsage: (usage) => { this.usage.addLlm(usage); hooks.onLlmUsage?.(usage); },
      onTtsCharacters: (characters) => {
        const voice = this.#tts instanceof VoiceSwitchingTts ? this.#tts.voice : this.#voice;
        this.usage.addTts(this.#hooks.ttsProvider(), voice, characters);
      },
    });
    if (speculative) reply.holdTools();
    this.#reply = reply;
    return reply;
  }

  /** The caller's turn is confirmed on the speculative reply's words: it becomes the answer, and plays at once. */
  confirm(callerSpeechEndMs: number): Reply | null {
    const reply = this.#reply;
    if (!reply || !this.#speculative) return null;
    this.#speculative = false;
    this.#callerSpeechEndMs = callerSpeechEndMs;
    reply.confirm();
    this.#outbound.release();
    return reply;
  }

  /** The carrier played audio up to `mark`: returns the reply it ends, or null if it ends none (stale, or paused). */
  played(mark: string): Reply | null {
    const reply = this.#reply;
    if (!reply || !this.endsReply(mark) || this.#outbound.paused) return null;
    this.#reply = null;
    this.#ducked = false;
    return reply;
  }

  /** `mark` is the one that ends the current reply. */
  endsReply(mark: string): boolean {
    return this.#reply !== null && mark === markName(this.#reply.index);
  }

  /** Silence now: the carrier drops what it buffered (if anything was sent), and the queue holds the rest. */
  pause(leadMs: number): void {
    this.#ducked = false;
    if (this.#firstAudioMs !== 0 || this.#outbound.playing) this.#output.clear();
    this.#pausePoint = this.#outbound.pause(performance.now(), leadMs);
  }

  resume(): void {
    this.#pausePoint = null;
    this.#outbound.resume();
  }

  /** Quieter (or back to full voice): frames not yet sent go out at the ducked gain; nothing is cleared or paused. */
  duck(on: boolean): void {
    this.#ducked = on;
  }

  /** The caller took the turn: cancel the reply (LLM, tools, TTS, queued audio); returns it with what was heard. */
  interrupt(): { reply: Reply; heard: string } | null {
    const reply = this.#reply;
    const point = this.#pausePoint;
    this.#pausePoint = null;
    if (!reply) {
      this.#outbound.clear();
      return null;
    }
    this.#drop(reply);
    this.#reply = null;
    const { frameBytes, frameMs } = this.#outbound;
    return { reply, heard: this.#firstAudioMs ? reply.heardText(point?.framesIntoSentence ?? 0, frameBytes, frameMs) : '' };
  }

  /** Ends the voice: returns the TTS session for closing. */
  dispose(): TtsSession | null {
    if (this.#reply) this.#drop(this.#reply);
    this.#reply = null;
    this.#pacer.remove(this.#outbound);
    this.#outbound.clear();
    const tts = this.#tts;
    this.#tts = null;
    return tts;
  }

  #drop(reply: Reply): void {
    this.#speculative = false;
    this.#ducked = false;
    reply.cancel();
    this.#discardTtsAudio = true;
    this.#tts?.clear();
    this.#outbound.clear();
  }

  #sendFrame(queued: Uint8Array): boolean {
    if (this.#reply?.waiting && this.#outbound.queuedMs < TTS_AHEAD_MS) this.#reply.pump();
    if (this.#reply && this.#firstAudioMs === 0) {
      this.#firstAudioMs = performance.now();
      this.#hooks.firstAudio();
    }
    // The echo guard and the recording get what the caller hears; the queue's history keeps full voice for a resume.
    const frame = this.#ducked ? this.#duck(queued) : queued;
    this.#hooks.agentFrame(frame);
    return this.#output.sendAudio(frame);
  }

  #onMarker(marker: OutboundMarker): void {
    if (marker.kind === 'mark') this.#output.sendMark(marker.name);
    else if (marker.kind === 'sentence-end') this.#reply?.sentencePlayed();
  }
}

const markName = (index: number) => `reply-${index}`;
