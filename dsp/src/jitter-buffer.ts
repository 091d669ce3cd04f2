// The RTP jitter buffer with audio: JitterControl decides what each 20 ms slot plays; the WASM core decodes G.711
// and conceals what is missing (plc.ts), merging smoothly when audio returns. One instance per call.
import { JitterControl, type JitterOptions, type PullKind } from './jitter-control.ts';
import { getDsp, type Dsp } from './wasm.ts';

export interface JitterBufferOptions extends JitterOptions {
  codec: 'mulaw' | 'alaw';
  sampleRateHz: 8000 | 16000;
}

export interface RtpAudioPacket {
  seq: number;
  timestamp: number;
  ssrc: number;
  payload: Uint8Array;
  arrivalMs: number;
}

export interface PulledFrame {
  /** 20 ms of PCM16: a view, valid until the next pull(). */
  pcm: Int16Array;
  /** The packet played, or null when this frame was concealed or stretched. */
  seq: number | null;
  concealed: boolean;
  kind: PullKind;
  /** How long the played packet waited in the buffer beyond the fastest packet's transit (0 when concealed). */
  delayMs: number;
}

export class JitterBuffer {
  readonly control: JitterControl;
  readonly frameSamples: number;
  readonly #dsp: Dsp;
  readonly #codec: 'mulaw' | 'alaw';
  #plc: number;
  #payload: number;
  #pcm: number;

  constructor(options: JitterBufferOptions) {
    if (options.codec !== 'mulaw' && options.codec !== 'alaw') throw new Error(`jitter buffer codec "${options.codec}": use mulaw or alaw`);
    this.control = new JitterControl({ ...options, clockHz: options.sampleRateHz });
    this.frameSamples = options.sampleRateHz / 50;
    this.#codec = options.codec;
    this.#dsp = getDsp();
    this.#plc = this.#dsp.alloc(this.#dsp.exports.plcStateBytes(options.sampleRateHz));
    this.#dsp.exports.plcInit(this.#plc, options.sampleRateHz);
    this.#payload = this.#dsp.alloc(this.frameSamples);
    this.#pcm = this.#dsp.alloc(this.frameSamples * 2);
  }

  /** Takes a packet as it arrives. A payload that is not one 20 ms frame is refused with a reason. */
  push(packet: RtpAudioPacket): 'ok' | 'duplicate' | 'late' | 'resync' | 'wrong-size' {
    if (!this.#plc) throw new Error('JitterBuffer used after dispose()');
    if (packet.payload.length !== this.frameSamples) return 'wrong-size';
    return this.control.push(packet.seq, packet.timestamp, packet.ssrc, packet.arrivalMs, packet.payload.slice());
  }

  /** One 20 ms frame for the playout clock, or null before playout has started. */
  pull(nowMs: number): PulledFrame | null {
    if (!this.#plc) throw new Error('JitterBuffer used after dispose()');
    const decision = this.control.pull(nowMs);
    if (decision.kind === 'waiting') return null;
    const { exports } = this.#dsp;
    if (decision.seq !== null && decision.payload) {
      this.#dsp.u8(this.#payload, this.frameSamples).set(decision.payload);
      if (this.#codec === 'mulaw') exports.mulawDecode(this.#payload, this.#pcm, this.frameSamples);
      else exports.alawDecode(this.#payload, this.#pcm, this.frameSamples);
      exports.plcGood(this.#plc, this.#pcm);
    } else {
      exports.plcConceal(this.#plc, this.#pcm);
    }
    return { pcm: this.#dsp.i16(this.#pcm, this.frameSamples), seq: decision.seq, concealed: decision.seq === null, kind: decision.kind, delayMs: decision.delayMs ?? 0 };
  }

  get buffered(): number {
    return this.control.buffered;
  }

  dispose(): void {
    if (!this.#plc) return;
    this.#dsp.free(this.#plc);
    this.#dsp.free(this.#payload);
    this.#dsp.free(this.#pcm);
    this.#plc = 0;
  }
}
