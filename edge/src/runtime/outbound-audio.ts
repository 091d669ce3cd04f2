// One call's outbound audio: a queue of TTS audio cut into exact 20 ms frames, with markers that say where each
// sentence ends and where the carrier should be asked for a playback mark. The node's Pacer drains it in real time.
// It can pause (the caller may be cutting in) and resume a little before where the caller stopped hearing it.
import { PlaybackHistory } from './playback-history.ts';

export type OutboundMarker =
  | { kind: 'reply-start' }
  | { kind: 'sentence-end'; text: string }
  | { kind: 'mark'; name: string };

type Item = { kind: 'audio'; bytes: Uint8Array } | OutboundMarker;

export interface OutboundSink {
  /** False while the carrier socket holds more unsent data than its bound: audio waits in this queue instead. */
  ready(): boolean;
  sendFrame(frame: Uint8Array): boolean;
  onMarker(marker: OutboundMarker): void;
  /** The queue ran dry after playing audio. */
  onIdle(): void;
}

export interface OutboundAudioOptions {
  frameBytes: number;
  frameMs?: number;
  silenceByte: number;
  encoding?: 'mulaw' | 'alaw' | 'l16';
  /** Audio beyond this much queued is dropped (and counted); markers never are. TTS is held back long before. */
  maxQueuedMs?: number;
  /** How much recently sent audio is kept for resuming after a pause. */
  historyMs?: number;
}

export interface PausePoint {
  /** Frames of the current sentence the caller heard before the pause, or null when unknown. */
  framesIntoSentence: number | null;
}

export class OutboundAudio {
  readonly frameBytes: number;
  /** Duration of one frame (20 ms, or the carrier's larger chunk). */
  readonly frameMs: number;
  readonly silenceByte: number;
  readonly maxQueuedBytes: number;
  #items: Item[] = [];
  #head = 0;
  #offset = 0;
  #queuedBytes = 0;
  readonly #frame: Uint8Array;
  readonly #history: PlaybackHistory;
  #playing = false;
  #paused = false;
  #pausedAt = 0;
  /** A speculative reply queues its audio here before the caller's turn is confirmed: nothing is sent yet. */
  #held = false;
  #playStartMs = 0;
  #framesSent = 0;
  /** Audio bytes dropped because the queue was over its bound. */
  droppedBytes = 0;

  constructor(readonly sink: OutboundSink, options: OutboundAudioOptions) {
    this.frameBytes = options.frameBytes;
    this.frameMs = options.frameMs ?? 20;
    this.silenceByte = options.silenceByte;
    this.maxQueuedBytes = Math.round(((options.maxQueuedMs ?? 60_000) / this.frameMs) * this.frameBytes);
    this.#frame = new Uint8Array(options.frameBytes);
    this.#history = new PlaybackHistory({
      frameBytes: options.frameBytes, encoding: options.encoding ?? 'mulaw',
      capacityFrames: Math.ceil((options.historyMs ?? 5000) / this.frameMs),
    });
  }

  get playing(): boolean {
    return this.#playing;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Milliseconds of audio waiting to be sent. */
  get queuedMs(): number {
    return (this.#queuedBytes / this.frameBytes) * this.frameMs;
  }

  /** Audio bytes waiting to be sent (kept as a count: a sum over the queue would cost a pass per audio chunk). */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Queues audio; false (and counted in droppedBytes) when the queue is over its bound. */
  pushAudio(bytes: Uint8Array): boolean {
    if (bytes.length === 0) return true;
    if (this.#queuedBytes + bytes.length > this.maxQueuedBytes) {
      this.droppedBytes += bytes.length;
      return false;
    }
    this.#items.push({ kind: 'audio', bytes });
    this.#queuedBytes += bytes.length;
    return true;
  }

  pushMarker(marker: OutboundMarker): void {
    this.#items.push(marker);
  }

  /** Drops everything queued (barge-in). Markers are dropped too: what was not played was not said. */
  clear(): void {
    this.#items.length = 0;
    this.#head = 0;
    this.#offset = 0;
    this.#queuedBytes = 0;
    this.#playing = false;
    this.#paused = false;
    this.#held = false;
    this.#history.reset();
  }

  /** Queue without sending (unlike pause, nothing was heard, so nothing is rewound on release). */
  hold(): void {
    this.#held = true;
  }

  release(): void {
    this.#held = false;
  }

  /**
   * Stops sending (the carrier is told to clear separately) and notes how far the caller heard: frames sent in
   * the last `leadMs` had not played yet. Audio keeps queueing while paused.
   */
  pause(nowMs: number, leadMs: number): PausePoint {
    if (this.#paused) return { framesIntoSentence: this.#history.framesIntoSentence(this.#pausedAt) };
    let played = this.#history.count;
    if (this.#playing) {
      const unplayed = this.#framesSent - Math.floor((nowMs - this.#playStartMs) / this.frameMs);
      played -= Math.min(Math.ceil(leadMs / this.frameMs), Math.max(0, unplayed));
    }
    this.#paused = true;
    this.#playing = false;
    this.#pausedAt = played;
    return { framesIntoSentence: this.#history.framesIntoSentence(played) };
  }

  /**
   * Plays on from a little before where the caller stopped hearing: the start of the sentence when it is recent,
   * else the last pause between words (at most `maxRewindMs` back). Marks sent in the replayed part are sent again.
   */
  resume(maxRewindMs = 4000): void {
    if (!this.#paused) return;
    this.#paused = false;
    const from = this.#history.resumePoint(this.#pausedAt, Math.round(maxRewindMs / this.frameMs));
    const { audio, marks } = this.#history.take(from);
    const replay: Item[] = [];
    let cursor = 0;
    for (const mark of marks) {
      const end = mark.offsetFrames * this.frameBytes;
      if (end > cursor) replay.push({ kind: 'audio', bytes: audio.subarray(cursor, end) });
      replay.push({ kind: 'mark', name: mark.name });
      cursor = end;
    }
    if (audio.length > cursor) replay.push({ kind: 'audio', bytes: audio.subarray(cursor) });
    const rest = this.#items.slice(this.#head);
    if (this.#offset > 0 && rest[0]?.kind === 'audio') rest[0] = { kind: 'audio', bytes: rest[0].bytes.subarray(this.#offset) };
    this.#items = [...replay, ...rest];
    this.#head = 0;
    this.#offset = 0;
    this.#queuedBytes += audio.length;
  }

  /**
   * Called by the pacer on every tick. Sends the frames that are due so that playback runs `leadMs` ahead of real
   * time (the carrier's own buffer absorbs our timer jitter) but never bursts a whole reply.
   */
  tick(nowMs: number, leadMs: number): void {
    const { frameMs } = this;
    if (this.#paused || this.#held) return;
    if (!this.#playing) {
      if (!this.#hasWork()) return;
      this.#playing = true;
      this.#playStartMs = nowMs;
      this.#framesSent = 0;
    }
    const due = Math.floor((nowMs - this.#playStartMs + leadMs) / frameMs) - this.#framesSent;
    for (let i = 0; i < due; i++) {
      this.#flushMarkers();
      if (!this.sink.ready() || !this.#fillFrame()) break;
      this.#framesSent++;
      this.#history.record(this.#frame);
      if (!this.sink.sendFrame(this.#frame)) break;
    }
    this.#flushMarkers();
    if (!this.#hasWork()) {
      this.#playing = false;
      this.#compact();
      this.sink.onIdle();
    }
  }

  #hasWork(): boolean {
    return this.#head < this.#items.length;
  }

  #flushMarkers(): void {
    while (this.#head < this.#items.length) {
      const item = this.#items[this.#head];
      if (item.kind === 'audio') return;
      this.#head++;
      if (item.kind === 'mark') this.#history.markSent(item.name);
      else this.#history.sentenceBoundary();
      this.sink.onMarker(item);
    }
  }

  /** Fills one frame from queued audio; pads the tail of an utterance with silence. False if nothing was queued. */
  #fillFrame(): boolean {
    let filled = 0;
    while (filled < this.frameBytes && this.#head < this.#items.length) {
      const item = this.#items[this.#head];
      if (item.kind !== 'audio') break;
      const take = Math.min(this.frameBytes - filled, item.bytes.length - this.#offset);
      this.#frame.set(item.bytes.subarray(this.#offset, this.#offset + take), filled);
      filled += take;
      this.#queuedBytes -= take;
      this.#offset += take;
      if (this.#offset === item.bytes.length) {
        this.#head++;
        this.#offset = 0;
      }
    }
    if (filled === 0) return false;
    if (filled < this.frameBytes) this.#frame.fill(this.silenceByte, filled);
    return true;
  }

  #compact(): void {
    if (this.#head > 0) {
      this.#items.splice(0, this.#head);
      this.#head = 0;
    }
  }
}
