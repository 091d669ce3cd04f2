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
/**
 * The chain's flag bits and result slots, read from the module itself (dsp/assembly/chain-state.ts exports them as
 * globals), so this wrapper and the WASM cannot drift apart.
 */
function chainLayout(dsp: Dsp) {
  const value = (name: string) => {
    const global = (dsp.exports as unknown as Record<string, WebAssembly.Global | undefined>)[name];
    if (!global) throw new Error(`dsp module lacks ${name}: rebuild it with \`npm run build\``);
    return global.value as number;
  };
  return {
    speech: value('FLAG_SPEECH'), speechStarted: value('FLAG_SPEECH_STARTED'), speechEnded: value('FLAG_SPEECH_ENDED'),
    endOfTurn: value('FLAG_END_OF_TURN'), bargeIn: value('FLAG_BARGE_IN'), backchannel: value('FLAG_BACKCHANNEL'),
    firstHalf: value('FLAG_SPEECH_FIRST_10MS'), secondHalf: value('FLAG_SPEECH_SECOND_10MS'),
    rmsDbSlot: value('S_OUT_RMS_DB'), probabilitySlot: value('S_OUT_PROB'), confidenceSlot: value('S_OUT_EOT_CONF'),
  };
}
type ChainLayout = ReturnType<typeof chainLayout>;
let layoutCache: ChainLayout | null = null;

export class InboundChain {
  readonly frameBytes: number;
  readonly frameSamples: number;
  readonly #dsp: Dsp;
  readonly #layout: ChainLayout;
  #state: number;
  #input: number;
  #agentInput: number;
  /** Bytes of a partial frame carried to the next process() call. */
  readonly #carry: Uint8Array;
  #carryLength = 0;
  readonly #agentCarry: Uint8Array;
  #agentCarryLength = 0;
  #pcmView: Int16Array | null = null;
  /** The analyses analyse() reuses, and the array it returns for a single whole frame. */
  readonly #pool: FrameAnalysis[] = [];
  readonly #one: FrameAnalysis[] = [];
  /** Views over WASM memory, re-created only when memory grows (growth detaches the old buffer). */
  #views: { buffer: ArrayBuffer; input: Uint8Array; outputs: Float64Array } | null = null;

  constructor(options: InboundChainOptions) {
    if (!(options.codec in CODEC_IDS)) throw new Error(`unsupported codec "${options.codec}" (use mulaw, alaw or l16)`);
    if (options.sampleRateHz !== 8000 && options.sampleRateHz !== 16000) throw new Error(`unsupported sample rate ${options.sampleRateHz} Hz (use 8000 or 16000)`);
    this.#dsp = getDsp();
    this.#layout = layoutCache ??= chainLayout(this.#dsp);
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

  /** Analyses of each whole 20 ms frame the payload completes (a partial frame is kept for the next call). */
  process(payload: Uint8Array): FrameAnalysis[] {
    return this.analyse(payload).map((a) => ({ ...a, speech10ms: [a.speech10ms[0], a.speech10ms[1]] }));
  }

  /**
   * process() without allocating, for the per-frame path of every call: the analyses (and for a whole frame, the
   * array) are the chain's own, overwritten by the next call.
   */
  analyse(payload: Uint8Array): readonly FrameAnalysis[] {
    this.#assertOpen();
    if (this.#carryLength === 0 && payload.length === this.frameBytes) {
      // The usual case: one whole 20 ms frame, straight into WASM memory. The one-element array is the chain's own
      // too (emptying an array and pushing again would allocate its backing store every time).
      this.#currentViews().input.set(payload);
      this.#one[0] = this.#analysis(0, this.#dsp.exports.chainProcess(this.#state, this.#input));
      return this.#one;
    }
    const results: FrameAnalysis[] = [];
    this.#reframe(payload, this.#carry, () => this.#carryLength, (n) => { this.#carryLength = n; }, this.#input, () => {
      results.push(this.#analysis(results.length, this.#dsp.exports.chainProcess(this.#state, this.#input)));
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
      const slots = Math.max(this.#layout.rmsDbSlot, this.#layout.probabilitySlot, this.#layout.confidenceSlot) + 1;
      this.#views = { buffer, input: this.#dsp.u8(this.#input, this.frameBytes), outputs: this.#dsp.f64(this.#state, slots) };
    }
    return this.#views;
  }

  /** Fills the index-th reused analysis with the frame's results (the chain leaves them in its state block). */
  #analysis(index: number, flags: number): FrameAnalysis {
    const outputs = this.#currentViews().outputs;
    const bits = this.#layout;
    const a = (this.#pool[index] ??= {
      rmsDbfs: 0, speechProbability: 0, isSpeech: false, speech10ms: [false, false], speechStarted: false, speechEnded: false,
      endOfTurn: false, endOfTurnConfidence: 0, bargeIn: false, backchannel: false,
    });
    a.rmsDbfs = outputs[bits.rmsDbSlot];
    a.speechProbability = outputs[bits.probabilitySlot];
    a.isSpeech = (flags & bits.speech) !== 0;
    a.speech10ms[0] = (flags & bits.firstHalf) !== 0;
    a.speech10ms[1] = (flags & bits.secondHalf) !== 0;
    a.speechStarted = (flags & bits.speechStarted) !== 0;
    a.speechEnded = (flags & bits.speechEnded) !== 0;
    a.endOfTurn = (flags & bits.endOfTurn) !== 0;
    a.endOfTurnConfidence = outputs[bits.confidenceSlot];
    a.bargeIn = (flags & bits.bargeIn) !== 0;
    a.backchannel = (flags & bits.backchannel) !== 0;
    return a;
  }

  #assertOpen(): void {
    if (!this.#state) throw new Error('InboundChain used after dispose()');
  }
}
