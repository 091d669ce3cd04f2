// Plain-TypeScript inbound chain: the same decode -> high-passed energy -> VAD -> endpoint -> barge-in steps and
// constants as dsp/assembly/chain.ts (and vad.ts, endpoint.ts, bargein.ts), for parity tests and as the baseline
// the WASM chain is benchmarked against. Keep the two in step: the parity test fails when they drift.
import type { FrameAnalysis, InboundChainOptions } from '../inbound-chain.ts';
import { alawToLinear, mulawToLinear } from './g711.ts';

const ONSET_MS = 30;
const HANGOVER_MS = 200;
const MARGIN_DB = 9;
const ABSOLUTE_FLOOR_DBFS = -58;
const HIGHPASS_HZ = 200;
const CONFIRM_MS = 80;
const LOUD_DB = 18;
const LOUD_CONFIRM_MS = 60;
const DIGITAL_SILENCE_DBFS = -90;
const FLOOR_AFTER_SILENCE_DBFS = -60;
const ECHO_MARGIN_DB = 12;
const ECHO_SAFETY_DB = 6;
const MAX_ECHO_RETURN_DB = 60;
const ECHO_LEARN_AFTER_MS = 500;
const ECHO_AUDIBLE_DB = -50;
const ECHO_BLOCK_MS = 200;
const ECHO_ADAPT = 0.3;
const STRONG_DB = 15;
const GAP_RESET_MS = 60;
const PAUSE_MARGIN = 1.1;
const PAUSE_DECAY_PER_10MS = 0.9998;
const CUTOFF_WINDOW_MS = 250;

const toDbfs = (rms: number) => {
  if (!(rms > 0)) return -120;
  const db = 20 * Math.log10(rms / 32768);
  return db < -120 ? -120 : db;
};

export class ReferenceInboundChain {
  readonly frameSamples: number;
  readonly frameBytes: number;
  readonly #codec: InboundChainOptions['codec'];
  readonly #silenceMs: number;
  readonly #eagerness: number;
  readonly #pcm: Int16Array;
  readonly #agentPcm: Int16Array;
  readonly #b: [number, number, number];
  readonly #a: [number, number];
  #x1 = 0; #x2 = 0; #y1 = 0; #y2 = 0;
  readonly #decimation: number;
  #noiseDb = -120;
  #subframes = 0;
  #silenceBeforeFloor = false;
  #speechRunMs = 0;
  #silenceRunMs = 0;
  #inSpeech = false;
  #turnOpen = false;
  #pauseEstimateMs = 0;
  #lastWaitMs = 0;
  #agentSpeaking = false;
  #agentEnvDb = -120;
  #bargeRunMs = 0;
  #bargeGapMs = 0;
  #bargePeakDb = -120;
  #bargeDone = false;
  #echoReturnDb = 12;
  #agentTalkMs = 0;
  #echoBlockAgentDb = -120;
  #echoBlockInboundDb = -120;
  #eotConfidence = 0;

  constructor(options: InboundChainOptions) {
    this.#codec = options.codec;
    this.frameSamples = options.sampleRateHz / 50;
    this.frameBytes = options.codec === 'l16' ? this.frameSamples * 2 : this.frameSamples;
    this.#silenceMs = options.silenceMs ?? 600;
    this.#eagerness = Math.min(1, Math.max(0, options.eagerness ?? 0.5));
    this.#pcm = new Int16Array(this.frameSamples);
    this.#agentPcm = new Int16Array(this.frameSamples);
    this.#decimation = options.sampleRateHz / 4000;
    const w0 = (2 * Math.PI * HIGHPASS_HZ) / 4000;
    const alpha = Math.sin(w0) / (2 * Math.SQRT1_2);
    const cosw = Math.cos(w0);
    const a0 = 1 + alpha;
    this.#b = [(1 + cosw) / 2 / a0, -(1 + cosw) / a0, (1 + cosw) / 2 / a0];
    this.#a = [(-2 * cosw) / a0, (1 - alpha) / a0];
  }

  #decode(frame: Uint8Array, out: Int16Array): void {
    if (this.#codec === 'mulaw') for (let i = 0; i < out.length; i++) out[i] = mulawToLinear(frame[i]);
    else if (this.#codec === 'alaw') for (let i = 0; i < out.length; i++) out[i] = alawToLinear(frame[i]);
    else for (let i = 0; i < out.length; i++) out[i] = frame[2 * i] | (frame[2 * i + 1] << 24 >> 16);
  }

  /** RMS of the subframe decimated to 4 kHz (block means) and high-passed: the VAD listens to 0.2-2 kHz. */
  #highpassRms(start: number, n: number): number {
    const [b0, b1, b2] = this.#b;
    const [a1, a2] = this.#a;
    const decimation = this.#decimation;
    let sum = 0;
    let count = 0;
    for (let i = start; i < start + n; i += decimation) {
      let x = 0;
      for (let k = 0; k < decimation; k++) x += this.#pcm[i + k];
      x /= decimation;
      const y = b0 * x + b1 * this.#x1 + b2 * this.#x2 - a1 * this.#y1 - a2 * this.#y2;
      this.#x2 = this.#x1; this.#x1 = x; this.#y2 = this.#y1; this.#y1 = y;
      sum += y * y;
      count++;
    }
    return count > 0 ? Math.sqrt(sum / count) : 0;
  }

  #vad(db: number): number {
    if (db <= DIGITAL_SILENCE_DBFS) {
      if (this.#subframes === 0) this.#silenceBeforeFloor = true;
      return 0;
    }
    if (this.#subframes === 0) this.#noiseDb = this.#silenceBeforeFloor && db > FLOOR_AFTER_SILENCE_DBFS ? FLOOR_AFTER_SILENCE_DBFS : db;
    const excess = db - this.#noiseDb - MARGIN_DB;
    const probability = db < ABSOLUTE_FLOOR_DBFS ? 0 : 1 / (1 + Math.exp(-excess / 2));
    if (db < this.#noiseDb) this.#noiseDb = 0.7 * this.#noiseDb + 0.3 * db;
    else this.#noiseDb += (probability > 0.5 ? 0.0005 : 0.02) * (db - this.#noiseDb);
    this.#subframes++;
    return probability;
  }

  #endpoint(speechEnded: boolean, resumedAfterMs: number): boolean {
    this.#pauseEstimateMs *= PAUSE_DECAY_PER_10MS;
    const baseMs = this.#silenceMs * (1.3 - 0.6 * this.#eagerness);
    const sinceEndMs = resumedAfterMs - this.#lastWaitMs;
    if (!this.#turnOpen && sinceEndMs >= 0 && sinceEndMs <= CUTOFF_WINDOW_MS && resumedAfterMs > this.#pauseEstimateMs) this.#pauseEstimateMs = resumedAfterMs;
    if (speechEnded) this.#turnOpen = true;
    if (this.#inSpeech || !this.#turnOpen) {
      this.#eotConfidence = 0;
      return false;
    }
    const adapted = this.#pauseEstimateMs * PAUSE_MARGIN;
    const waitMs = adapted > baseMs ? (adapted < 2 * baseMs ? adapted : 2 * baseMs) : baseMs;
    this.#eotConfidence = this.#silenceRunMs >= waitMs ? 1 : this.#silenceRunMs / waitMs;
    if (this.#silenceRunMs < waitMs) return false;
    this.#turnOpen = false;
    this.#lastWaitMs = waitMs;
    return true;
  }

  #bargeIn(db: number, speech: boolean): 0 | 1 | 2 {
    if (!this.#agentSpeaking || this.#bargeDone) return 0;
    this.#learnEchoReturn(db);
    const guardDb = Math.max(ECHO_MARGIN_DB, this.#echoReturnDb - ECHO_SAFETY_DB);
    const candidate = speech && db > this.#agentEnvDb - guardDb && db > this.#noiseDb + STRONG_DB;
    if (candidate) {
      this.#bargeRunMs += 10;
      this.#bargeGapMs = 0;
      if (db > this.#bargePeakDb) this.#bargePeakDb = db;
      if (this.#bargeRunMs >= CONFIRM_MS || (this.#bargeRunMs >= LOUD_CONFIRM_MS && this.#bargePeakDb > this.#noiseDb + LOUD_DB)) {
        this.#bargeDone = true;
        return 1;
      }
      return 0;
    }
    if (this.#bargeRunMs === 0) return 0;
    this.#bargeGapMs += 10;
    if (this.#bargeGapMs < GAP_RESET_MS) return 0;
    this.#bargeRunMs = 0;
    this.#bargePeakDb = -120;
    return 2;
  }

  /** One 20 ms frame in the chain's codec. */
  processFrame(frame: Uint8Array): FrameAnalysis {
    this.#decode(frame, this.#pcm);
    const half = this.frameSamples >> 1;
    const result: FrameAnalysis = {
      rmsDbfs: 0, speechProbability: 0, isSpeech: false, speech10ms: [false, false], speechStarted: false, speechEnded: false,
      endOfTurn: false, endOfTurnConfidence: 0, bargeIn: false, backchannel: false,
    };
    let energySum = 0;
    let probabilitySum = 0;
    for (let sub = 0; sub < 2; sub++) {
      let sum = 0;
      for (let i = sub * half; i < (sub + 1) * half; i++) sum += this.#pcm[i] * this.#pcm[i];
      energySum += sum / half;
      const db = toDbfs(this.#highpassRms(sub * half, half));
      const probability = this.#vad(db);
      probabilitySum += probability;
      const raw = probability > 0.5;
      let ended = false;
      let resumedAfterMs = 0;
      if (raw) {
        resumedAfterMs = this.#silenceRunMs;
        this.#speechRunMs += 10;
        this.#silenceRunMs = 0;
        if (!this.#inSpeech && this.#speechRunMs >= ONSET_MS) { this.#inSpeech = true; result.speechStarted = true; }
      } else {
        this.#speechRunMs = 0;
        this.#silenceRunMs += 10;
        if (this.#inSpeech && this.#silenceRunMs >= HANGOVER_MS) { this.#inSpeech = false; ended = true; result.speechEnded = true; }
      }
      if (this.#inSpeech) { result.isSpeech = true; result.speech10ms[sub] = true; }
      if (this.#endpoint(ended, resumedAfterMs)) result.endOfTurn = true;
      const barge = this.#bargeIn(db, raw);
      if (barge === 1) result.bargeIn = true;
      else if (barge === 2) result.backchannel = true;
    }
    result.rmsDbfs = toDbfs(Math.sqrt(energySum / 2));
    result.speechProbability = probabilitySum / 2;
    result.endOfTurnConfidence = this.#eotConfidence;
    return result;
  }

  agentFrame(frame: Uint8Array): void {
    this.#decode(frame, this.#agentPcm);
    const half = this.frameSamples >> 1;
    for (let sub = 0; sub < 2; sub++) {
      let sum = 0;
      for (let i = sub * half; i < (sub + 1) * half; i++) sum += this.#agentPcm[i] * this.#agentPcm[i];
      const db = toDbfs(Math.sqrt(sum / half));
      const decayed = this.#agentEnvDb - 0.5;
      this.#agentEnvDb = db > decayed ? db : decayed;
    }
  }

  #learnEchoReturn(db: number): void {
    this.#agentTalkMs += 10;
    if (this.#agentTalkMs <= ECHO_LEARN_AFTER_MS) return;
    this.#echoBlockAgentDb = Math.max(this.#echoBlockAgentDb, this.#agentEnvDb);
    this.#echoBlockInboundDb = Math.max(this.#echoBlockInboundDb, db);
    if ((this.#agentTalkMs - ECHO_LEARN_AFTER_MS) % ECHO_BLOCK_MS !== 0) return;
    if (this.#echoBlockAgentDb >= ECHO_AUDIBLE_DB) {
      const gap = Math.min(MAX_ECHO_RETURN_DB, this.#echoBlockAgentDb - this.#echoBlockInboundDb);
      this.#echoReturnDb += (gap - this.#echoReturnDb) * ECHO_ADAPT;
    }
    this.#echoBlockAgentDb = -120;
    this.#echoBlockInboundDb = -120;
  }

  setAgentSpeaking(speaking: boolean): void {
    this.#agentSpeaking = speaking;
    this.#agentTalkMs = 0;
    this.#echoBlockAgentDb = -120;
    this.#echoBlockInboundDb = -120;
    this.#bargeDone = false;
    this.#bargeRunMs = 0;
    this.#bargeGapMs = 0;
  }
}
