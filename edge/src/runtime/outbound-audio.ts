// One call's outbound audio: a queue of TTS audio cut into exact 20 ms frames, with markers that say where each
// sentence ends and where the carrier should be asked for a playback mark. The node's Pacer drains it in real time.

export type OutboundMarker =
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

export class OutboundAudio {
  readonly frameBytes: number;
  /** Duration of one frame (20 ms, or the carrier's larger chunk). */
  readonly frameMs: number;
  readonly silenceByte: number;
  readonly #items: Item[] = [];
  #head = 0;
  #offset = 0;
  #queuedBytes = 0;
  readonly #frame: Uint8Array;
  #playing = false;
  #playStartMs = 0;
  #framesSent = 0;
  /** Frames sent since the current reply began; reset by the runtime. */
  framesPlayed = 0;

  constructor(readonly sink: OutboundSink, options: { frameBytes: number; frameMs?: number; silenceByte: number }) {
    this.frameBytes = options.frameBytes;
    this.frameMs = options.frameMs ?? 20;
    this.silenceByte = options.silenceByte;
    this.#frame = new Uint8Array(options.frameBytes);
  }

  get playing(): boolean {
    return this.#playing;
  }

  /** Audio bytes waiting to be sent (kept as a count: a sum over the queue would cost a pass per audio chunk). */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  pushAudio(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#items.push({ kind: 'audio', bytes });
    this.#queuedBytes += bytes.length;
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
  }

  /**
   * Called by the pacer on every tick. Sends the frames that are due so that playback runs `leadMs` ahead of real
   * time (the carrier's own buffer absorbs our timer jitter) but never bursts a whole reply.
   */
  tick(nowMs: number, leadMs: number): void {
    const { frameMs } = this;
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
      this.framesPlayed++;
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
