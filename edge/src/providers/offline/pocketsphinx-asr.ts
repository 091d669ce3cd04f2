// Offline ASR with the OS's pocketsphinx (Debian `pocketsphinx`, `pocketsphinx-en-us`). Audio is kept per utterance;
// when the runtime's endpoint fires (finalize), the utterance is upsampled to the model's 16 kHz and decoded with a
// language model built from the agent's phrases. One final transcript per utterance; no interim results.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeAlaw, decodeMulaw } from '@invorto/dsp/g711.ts';
import { Resampler } from '@invorto/dsp/resampler.ts';
import { writeWav } from '@invorto/dsp/wav.ts';
import { TypedEmitter } from '../../util/typed-emitter.ts';
import type { AsrEvents, AsrProvider, AsrSession, AudioFormat, SessionContext } from '../types.ts';
import { buildDomainLm } from './domain-lm.ts';

const BINARY = 'pocketsphinx_continuous';
const MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
const DICT = join(MODEL_DIR, 'cmudict-en-us.dict');
const MAX_UTTERANCE_S = 30;
const MIN_UTTERANCE_S = 0.2;
const INSTALL_HINT = 'apt-get install pocketsphinx pocketsphinx-en-us';

let available: boolean | null = null;
let utteranceCounter = 0;

export function pocketsphinxAvailable(): boolean {
  available ??= spawnSync('sh', ['-c', `command -v ${BINARY}`]).status === 0 && existsSync(join(MODEL_DIR, 'en-us', 'mdef'));
  return available;
}

const workDir = (() => {
  let dir: string | null = null;
  return () => {
    if (!dir) {
      dir = mkdtempSync(join(tmpdir(), 'invorto-sphinx-'));
      const created = dir;
      process.once('exit', () => rmSync(created, { recursive: true, force: true }));
    }
    return dir;
  };
})();

class PocketsphinxSession extends TypedEmitter<AsrEvents> implements AsrSession {
  readonly finalizesOnRequestOnly = true;
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  #decoding: Promise<void> = Promise.resolve();
  readonly #children = new Set<ChildProcess>();
  #closed = false;

  constructor(readonly format: AudioFormat, private readonly model: { lm: string; dict: string }) {
    super();
  }

  push(audio: Uint8Array): void {
    if (this.#closed) return;
    this.#chunks.push(audio.slice());
    this.#bytes += audio.length;
    const maxBytes = MAX_UTTERANCE_S * this.format.sampleRateHz * (this.format.encoding === 'linear16' ? 2 : 1);
    while (this.#bytes > maxBytes && this.#chunks.length > 1) this.#bytes -= this.#chunks.shift()!.length;
  }

  finalize(): void {
    if (this.#closed) return;
    const audio = Buffer.concat(this.#chunks);
    this.#chunks = [];
    this.#bytes = 0;
    this.#decoding = this.#decoding.then(() => this.#decode(audio));
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const child of this.#children) child.kill('SIGKILL');
    this.#children.clear();
    this.emit('closed', { reason: 'closed' });
    this.removeAllListeners();
  }

  #pcm16k(audio: Uint8Array): Int16Array {
    const { encoding, sampleRateHz } = this.format;
    const pcm = encoding === 'mulaw' ? decodeMulaw(audio) : encoding === 'alaw' ? decodeAlaw(audio) : new Int16Array(audio.buffer, audio.byteOffset, audio.byteLength >> 1);
    if (sampleRateHz === 16000) return pcm;
    if (sampleRateHz === 8000) {
      const resampler = new Resampler(8000, 16000);
      try {
        return resampler.process(pcm);
      } finally {
        resampler.dispose();
      }
    }
    throw new Error(`pocketsphinx sessions take 8000 or 16000 Hz audio, not ${sampleRateHz}`);
  }

  async #decode(audio: Uint8Array): Promise<void> {
    if (this.#closed) return;
    const seconds = audio.length / ((this.format.encoding === 'linear16' ? 2 : 1) * this.format.sampleRateHz);
    if (seconds < MIN_UTTERANCE_S) {
      this.emit('transcript', { text: '', isFinal: true, speechFinal: false, confidence: 0 });
      return;
    }
    const pcm = this.#pcm16k(audio);
    // A unique name: two calls may well hand over identical audio at the same time.
    const file = join(workDir(), `utt-${process.pid}-${++utteranceCounter}-${randomBytes(4).toString('hex')}.wav`);
    writeFileSync(file, writeWav({ encoding: 'pcm16', sampleRateHz: 16000, data: new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength) }));
    try {
      const text = await this.#run(['-infile', file, '-lm', this.model.lm, '-dict', this.model.dict, '-hmm', join(MODEL_DIR, 'en-us'), '-logfn', '/dev/null']);
      // A pause is not a turn end: speechFinal stays false and the runtime's endpointing decides.
      if (!this.#closed) this.emit('transcript', { text, isFinal: true, speechFinal: false, confidence: 0, startS: 0, endS: seconds });
    } catch (error) {
      if (!this.#closed) this.emit('error', error as Error);
    } finally {
      rmSync(file, { force: true });
    }
  }

  #run(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'ignore'] });
      this.#children.add(child);
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      child.on('error', (error) => { this.#children.delete(child); reject(new Error(`could not run ${BINARY}: ${error.message} (${INSTALL_HINT})`)); });
      child.on('close', (code, signal) => {
        this.#children.delete(child);
        if (code === 0) resolve(out.split('\n').map((l) => l.trim()).filter(Boolean).join(' '));
        else reject(new Error(`${BINARY} failed (${signal ?? `exit ${code}`})`));
      });
    });
  }
}

/** `phrases`: what callers of this agent are likely to say (its intents' keywords and replies). */
export function createPocketsphinxAsr(options: { phrases?: string[] } = {}): AsrProvider {
  let model: { lm: string; dict: string } | null = null;
  // Building the agent's language model takes most of a second (synchronously): done once, ahead of the first session
  // when the registry prepares the engine, so that a failover to it mid-call is quick.
  const prepare = () => {
    if (model) return model;
    const { arpa, dict } = buildDomainLm(options.phrases ?? [], DICT);
    const dir = join(workDir(), 'lm');
    mkdirSync(dir, { recursive: true });
    const name = createHash('sha1').update(arpa).digest('hex').slice(0, 16);
    model = { lm: join(dir, `${name}.arpa`), dict: join(dir, `${name}.dict`) };
    writeFileSync(model.lm, arpa);
    writeFileSync(model.dict, dict);
    return model;
  };
  return {
    name: 'pocketsphinx',
    async prepare() {
      if (pocketsphinxAvailable()) prepare();
    },
    async open(_context: SessionContext, { format }: { format: AudioFormat }): Promise<AsrSession> {
      if (!pocketsphinxAvailable()) throw new Error(`offline speech recognition is not installed: ${INSTALL_HINT}`);
      return new PocketsphinxSession(format, prepare());
    },
  };
}
