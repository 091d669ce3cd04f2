// One call's inbound audio chain over the WASM core: carrier payloads in, one analysis per 20 ms frame out.
// Buffers are allocated once per chain; payloads of any length are re-framed here into exact 20 ms frames.
import { getDsp, type Dsp } from './wasm.ts';

export type InboundCodec = 'mulaw' | 'alaw' | 'l16';

export interface InboundChainOptions {
  codec: InboundCodec;
  sampleRateHz: 8000 | 16000;
  /** Base end-of-turn silence; the endpointer adapts around it. */
  silenceMs?: number;
  /** 0..1: higher ends turns sooner in ambiguous pauses. */
  eagerness?: number;
}

export interface FrameAnalysis {
  rmsDbfs: number;
  speechProbability: number;
  isSpeech: boolean;
  /** The speech decision of each 10 ms half of the frame. */
  speech10ms: [boolean, boolean];
  speechStarted: boolean;
  speechEnded: boolean;
  endOfTurn: boolean;
  endOfTurnConfidence: number;
  bargeIn: boolean;
  backchannel: boolean;
}

const CODEC_IDS: Record<InboundCodec, number> = { mulaw: 0, alaw: 1, l16: 2 };
const FLAG_SPEECH = 1;
const FLAG_SPEECH_STARTED = 2;
const FLAG_SPEECH_ENDED = 4;
const FLAG_END_OF_TURN = 8;
const FLAG_BARGE_IN = 16;
const FLAG_BACKCHANNEL = 32;
const FLAG_SPEECH_FIRST_10MS = 64;
const FLAG_SPEECH_SECOND_10MS = 128;
// Slots of the state block (f64) where chainProcess leaves its results: dsp/assembly/chain-state.ts.
const SLOT_RMS_DB = 13;
const SLOT_PROBABILITY = 14;
const SLOT_EOT_CONFIDENCE = 16;
const OUTPUT_SLOTS = 17;

export class InboundChain {
  readonly frameBytes: number;
  readonly frameSamples: number;
  readonly #dsp: Dsp;
  #state: number;
  #input: number;
  #agentInput: number;
  /** Bytes of a partial frame carried to the next process() call. */
  readonly #carry: Uint8Array;
  #carryLength = 0;
  readonly #agentCarry: Uint8Array;
  #agentCarryLength = 0;
  #pcmView: Int16Array | null = null;
  /** Views over WASM memory, re-created only when memory grows (growth detaches the old buffer). */
  #views: { buffer: ArrayBuffer; input: Uint8Array; outputs: Float64Array } | null = null;

  constructor(options: InboundChainOptions) {
    if (!(options.codec in CODEC_IDS)) throw new Error(`unsupported codec "${options.codec}" (use mulaw, alaw or l16)`);
    if (options.sampleRateHz !== 8000 && options.sampleRateHz !== 16000) throw new Error(`unsupported sample rate ${options.sampleRateHz} Hz (use 8000 or 16000)`);
    this.#dsp = getDsp();
    const { exports } = this.#dsp;
    this.frameSamples = options.sampleRateHz / 50;
    this.frameBytes = options.codec === 'l16' ? this.frameSamples * 2 : this.frameSamples;
    this.#state = this.#dsp.alloc(exports.chainStateBytes(options.sampleRateHz));
    this.#input = this.#dsp.alloc(this.frameBytes);
    this.#agentInput = this.#dsp.alloc(this.frameBytes);
    exports.chainInit(this.#state, options.sampleRateHz, CODEC_IDS[options.codec], options.silenceMs ?? 600, options.eagerness ?? 0.5);
    this.#carry = new Uint8Array(this.frameBytes);
    this.#agentCarry = new Uint8Array(this.frameBytes);
  }

  /** Decoded PCM16 of the last processed frame: a view, valid until the next process(). */
  get lastPcm(): Int16Array {
    this.#assertOpen();
    const buffer = this.#dsp.exports.memory.buffer;
    if (!this.#pcmView || this.#pcmView.buffer !== buffer) this.#pcmView = this.#dsp.i16(this.#dsp.exports.chainPcmPtr(this.#state), this.frameSamples);
    return this.#pcmView;
  }

  process(payload: Uint8Array): FrameAnalysis[] {
    this.#assertOpen();
    if (this.#carryLength === 0 && payload.length === this.frameBytes) {
      // The usual case: one whole 20 ms frame, straight into WASM memory.
      this.#currentViews().input.set(payload);
      return [this.#analyse(this.#dsp.exports.chainProcess(this.#state, this.#input))];
    }
    const results: FrameAnalysis[] = [];
    this.#reframe(payload, this.#carry, () => this.#carryLength, (n) => { this.#carryLength = n; }, this.#input, () => {
      results.push(this.#analyse(this.#dsp.exports.chainProcess(this.#state, this.#input)));
    });
    return results;
  }

  setAgentSpeaking(speaking: boolean): void {
    this.#assertOpen();
    this.#dsp.exports.chainSetAgentSpeaking(this.#state, speaking ? 1 : 0);
  }

  pushAgentAudio(payload: Uint8Array): void {
    this.#assertOpen();
    this.#reframe(payload, this.#agentCarry, () => this.#agentCarryLength, (n) => { this.#agentCarryLength = n; }, this.#agentInput, () => {
      this.#dsp.exports.chainAgentAudio(this.#state, this.#agentInput);
    });
  }

  reset(): void {
    this.#assertOpen();
    this.#dsp.exports.chainReset(this.#state);
    this.#carryLength = 0;
    this.#agentCarryLength = 0;
  }

  dispose(): void {
    if (!this.#state) return;
    this.#dsp.free(this.#state);
    this.#dsp.free(this.#input);
    this.#dsp.free(this.#agentInput);
    this.#state = 0;
    this.#pcmView = null;
    this.#views = null;
  }

  /** Copies whole frames into WASM memory (one `onFrame` each) and keeps the remainder for next time. */
  #reframe(payload: Uint8Array, carry: Uint8Array, getCarry: () => number, setCarry: (n: number) => void, target: number, onFrame: () => void): void {
    let offset = 0;
    let carried = getCarry();
    while (offset < payload.length) {
      const take = Math.min(this.frameBytes - carried, payload.length - offset);
      if (carried === 0 && take === this.frameBytes) {
        this.#dsp.u8(target, this.frameBytes).set(payload.subarray(offset, offset + take));
      } else {
        carry.set(payload.subarray(offset, offset + take), carried);
        if (carried + take === this.frameBytes) this.#dsp.u8(target, this.frameBytes).set(carry);
      }
      offset += take;
      carried = (carried + take) % this.frameBytes;
      if (carried === 0) onFrame();
    }
    setCarry(carried);
  }

  #currentViews(): { input: Uint8Array; outputs: Float64Array } {
    const buffer = this.#dsp.exports.memory.buffer;
    if (!this.#views || this.#views.buffer !== buffer) {
      this.#views = { buffer, input: this.#dsp.u8(this.#input, this.frameBytes), outputs: this.#dsp.f64(this.#state, OUTPUT_SLOTS) };
    }
    return this.#views;
  }

  #analyse(flags: number): FrameAnalysis {
    // The chain leaves its results in the state block's first slots: read them without crossing into WASM again.
    const outputs = this.#currentViews().outputs;
    return {
      rmsDbfs: outputs[SLOT_RMS_DB],
      speechProbability: outputs[SLOT_PROBABILITY],
      isSpeech: (flags & FLAG_SPEECH) !== 0,
      speech10ms: [(flags & FLAG_SPEECH_FIRST_10MS) !== 0, (flags & FLAG_SPEECH_SECOND_10MS) !== 0],
      speechStarted: (flags & FLAG_SPEECH_STARTED) !== 0,
      speechEnded: (flags & FLAG_SPEECH_ENDED) !== 0,
      endOfTurn: (flags & FLAG_END_OF_TURN) !== 0,
      endOfTurnConfidence: outputs[SLOT_EOT_CONFIDENCE],
      bargeIn: (flags & FLAG_BARGE_IN) !== 0,
      backchannel: (flags & FLAG_BACKCHANNEL) !== 0,
    };
  }

  #assertOpen(): void {
    if (!this.#state) throw new Error('InboundChain used after dispose()');
  }
}
