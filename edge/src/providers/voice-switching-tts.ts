// One TTS session that can change voice mid-call (the caller switched language): each voice has its own provider
// session, opened when first needed. Flushes stay in order across voices: audio of a later flush is held until every
// earlier flush has been delivered. A voice that cannot be opened leaves the call in the voice it had.
import { TypedEmitter } from '../util/typed-emitter.ts';
import type { AudioFormat, SessionContext, TtsEvents, TtsProvider, TtsSession } from './types.ts';

interface Job {
  sequence: number;
  voice: string;
  text: string;
  /** The voice session's own flush number, once it was sent there (null while the session is opening). */
  inner: number | null;
  audio: Uint8Array[];
  done: boolean;
}

export class VoiceSwitchingTts extends TypedEmitter<TtsEvents> implements TtsSession {
  readonly #sessions = new Map<string, Promise<TtsSession>>();
  readonly #open = new Map<string, TtsSession>();
  #voice: string;
  #text = '';
  #sequence = -1;
  #jobs: Job[] = [];
  #closed = false;

  constructor(private readonly provider: TtsProvider, private readonly context: SessionContext, first: TtsSession, voice: string,
    private readonly onVoiceError: (voice: string, error: Error) => void) {
    super();
    this.#voice = voice;
    this.#adopt(voice, first);
    this.#sessions.set(voice, Promise.resolve(first));
  }

  get format(): AudioFormat {
    return this.#open.values().next().value!.format;
  }

  get voice(): string {
    return this.#voice;
  }

  /** Later flushes speak in this voice (its session opens now, so it is ready by the next reply). */
  setVoice(voice: string): void {
    if (voice === this.#voice || this.#closed) return;
    const previous = this.#voice;
    this.#voice = voice;
    if (this.#sessions.has(voice)) return;
    const opening = this.provider.open(this.context, { format: this.format, voice });
    this.#sessions.set(voice, opening);
    opening.then((session) => {
      if (this.#closed) return void session.close();
      this.#adopt(voice, session);
      for (const job of this.#jobs) if (job.voice === voice && job.inner === null) this.#send(job, session);
    }, (error: Error) => {
      this.#sessions.delete(voice);
      this.onVoiceError(voice, error);
      if (this.#voice === voice) this.#voice = previous;
      // What was waiting for the voice is said in the previous one rather than not at all.
      const fallback = this.#open.get(previous);
      for (const job of this.#jobs) {
        if (job.voice !== voice) continue;
        job.voice = previous;
        if (fallback && job.inner === null) this.#send(job, fallback);
      }
    });
  }

  speak(text: string): void {
    this.#text += text;
  }

  flush(): number {
    const job: Job = { sequence: ++this.#sequence, voice: this.#voice, text: this.#text, inner: null, audio: [], done: false };
    this.#text = '';
    this.#jobs.push(job);
    const session = this.#open.get(job.voice);
    if (session) this.#send(job, session);
    return job.sequence;
  }

  clear(): void {
    this.#jobs = [];
    this.#text = '';
    for (const session of this.#open.values()) session.clear();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#jobs = [];
    const sessions = [...this.#open.values()];
    this.#open.clear();
    await Promise.allSettled(sessions.map((s) => s.close()));
    this.removeAllListeners();
  }

  #send(job: Job, session: TtsSession): void {
    session.speak(job.text);
    job.inner = session.flush();
  }

  #adopt(voice: string, session: TtsSession): void {
    this.#open.set(voice, session);
    session.on('audio', (audio) => {
      const job = this.#jobs.find((j) => j.voice === voice && j.inner !== null && !j.done);
      if (!job) return; // audio of a cleared flush
      if (job === this.#jobs[0]) this.emit('audio', audio);
      else job.audio.push(audio.slice());
    });
    session.on('flushed', ({ sequence }) => {
      const job = this.#jobs.find((j) => j.voice === voice && j.inner === sequence);
      if (!job) return;
      job.done = true;
      this.#deliver();
    });
    session.on('error', (error) => this.emit('error', error));
    session.on('closed', (event) => { if (voice === this.#voice) this.emit('closed', event); });
    session.on('failover', (change) => { if (voice === this.#voice) this.emit('failover', change); });
  }

  /** Ends finished jobs at the head in order, releasing the held audio of each next one as it becomes the head. */
  #deliver(): void {
    while (this.#jobs[0]?.done) {
      const job = this.#jobs.shift()!;
      this.emit('flushed', { sequence: job.sequence });
      const next = this.#jobs[0];
      if (next) {
        for (const audio of next.audio) this.emit('audio', audio);
        next.audio = [];
      }
    }
  }
}
