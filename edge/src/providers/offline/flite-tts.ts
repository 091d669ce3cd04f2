// Offline TTS with Flite (WASI build, run in a worker thread). The 8 kHz `kal` voice matches telephony, so audio
// goes out as G.711 without resampling; 16 kHz sessions use `kal16`.
import { Worker } from 'node:worker_threads';
import { encodeAlaw, encodeMulaw } from '@invorto/dsp/g711.ts';
import { TypedEmitter } from '../../util/typed-emitter.ts';
import type { AudioFormat, SessionContext, TtsEvents, TtsProvider, TtsSession } from '../types.ts';

const VOICE_FOR_RATE: Record<number, string> = { 8000: 'kal', 16000: 'kal16' };
const VOICE_RATES: Record<string, number> = { kal: 8000, kal16: 16000, slt: 16000, rms: 16000, awb: 16000 };
const CHUNK_MS = 200;

type Synthesis = { sampleRateHz: number; pcm: Int16Array };

interface Job {
  text: string;
  voice: string;
  /** True once the session that asked has cleared or closed: the job is dropped before it reaches the worker. */
  cancelled: () => boolean;
  resolve: (s: Synthesis | null) => void;
  reject: (e: Error) => void;
}

/**
 * One worker per process, started on first use and not keeping the process alive. Jobs wait here and go to the
 * worker one at a time, so a barge-in or a hang-up drops its session's pending sentences instead of making the
 * next caller's reply wait behind them.
 */
class FliteWorker {
  #worker: Worker | null = null;
  readonly #queue: Job[] = [];
  #busy: Job | null = null;

  /** Resolves with null when the job was cancelled before it ran. */
  synthesize(text: string, voice: string, cancelled: () => boolean): Promise<Synthesis | null> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ text, voice, cancelled, resolve, reject });
      this.#next();
    });
  }

  #next(): void {
    if (this.#busy) return;
    let job = this.#queue.shift();
    while (job && job.cancelled()) {
      job.resolve(null);
      job = this.#queue.shift();
    }
    if (!job) {
      this.#worker?.unref();
      return;
    }
    this.#busy = job;
    const worker = this.#start();
    worker.ref();
    worker.postMessage({ id: 1, text: job.text, voice: job.voice });
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL('./flite-worker.mjs', import.meta.url), { execArgv: ['--no-warnings'] });
    worker.on('message', (message: { sampleRateHz?: number; pcm?: Int16Array; error?: string }) => {
      const job = this.#busy;
      this.#busy = null;
      if (job) {
        if (message.error) job.reject(new Error(`Flite failed: ${message.error}`));
        else job.resolve({ sampleRateHz: message.sampleRateHz!, pcm: message.pcm! });
      }
      this.#next();
    });
    worker.on('error', (error) => this.#failAll(error));
    worker.on('exit', () => {
      this.#worker = null;
      this.#failAll(new Error('Flite worker exited'));
    });
    worker.unref();
    this.#worker = worker;
    return worker;
  }

  #failAll(error: Error): void {
    for (const job of [this.#busy, ...this.#queue.splice(0)]) job?.reject(error);
    this.#busy = null;
  }
}

const fliteWorker = new FliteWorker();

function encodeFor(format: AudioFormat, pcm: Int16Array): Uint8Array {
  if (format.encoding === 'mulaw') return encodeMulaw(pcm);
  if (format.encoding === 'alaw') return encodeAlaw(pcm);
  return new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength).slice();
}

class FliteSession extends TypedEmitter<TtsEvents> implements TtsSession {
  #text = '';
  #sequence = 0;
  #epoch = 0; // bumped by clear(): results of older work are dropped
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(readonly format: AudioFormat, private readonly voice: string) {
    super();
  }

  speak(text: string): void {
    this.#text += (this.#text ? ' ' : '') + text;
  }

  flush(): number {
    const sequence = ++this.#sequence;
    const text = this.#text.trim();
    this.#text = '';
    const epoch = this.#epoch;
    this.#queue = this.#queue.then(() => this.#synthesize(text, sequence, epoch));
    return sequence;
  }

  clear(): void {
    this.#text = '';
    this.#epoch++;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#epoch++;
    this.emit('closed', { reason: 'closed' });
    this.removeAllListeners();
  }

  async #synthesize(text: string, sequence: number, epoch: number): Promise<void> {
    if (this.#closed || epoch !== this.#epoch) return;
    if (text) {
      try {
        const synthesis = await fliteWorker.synthesize(text, this.voice, () => this.#closed || epoch !== this.#epoch);
        if (!synthesis || this.#closed || epoch !== this.#epoch) return;
        const { sampleRateHz, pcm } = synthesis;
        if (sampleRateHz !== this.format.sampleRateHz) throw new Error(`Flite voice ${this.voice} gives ${sampleRateHz} Hz, session wants ${this.format.sampleRateHz} Hz`);
        const audio = encodeFor(this.format, pcm);
        const chunkBytes = (this.format.sampleRateHz * CHUNK_MS / 1000) * (this.format.encoding === 'linear16' ? 2 : 1);
        for (let offset = 0; offset < audio.length; offset += chunkBytes) this.emit('audio', audio.subarray(offset, offset + chunkBytes));
      } catch (error) {
        if (epoch === this.#epoch) this.emit('error', error as Error);
      }
    }
    if (!this.#closed && epoch === this.#epoch) this.emit('flushed', { sequence });
  }
}

export function createFliteTts(): TtsProvider {
  return {
    name: 'flite',
    async open(_context: SessionContext, options: { format: AudioFormat; voice?: string }): Promise<TtsSession> {
      // An agent's vendor voice (e.g. an Aura-2 name) means nothing to Flite: fall back to the voice for the rate.
      const fits = options.voice !== undefined && VOICE_RATES[options.voice] === options.format.sampleRateHz;
      const voice = fits ? options.voice! : VOICE_FOR_RATE[options.format.sampleRateHz];
      if (!voice) throw new Error(`Flite has no voice for ${options.format.sampleRateHz} Hz (it speaks 8000 or 16000 Hz)`);
      return new FliteSession(options.format, voice);
    },
  };
}
