// Token counts with the model's real tokenizer (o200k_base, the gpt-4o family), counted on a thread of their own and
// waited for synchronously. The tokenizer's 200,000 ranks are about 21 MB of JS heap: on the main thread, every full
// garbage collection of the node marks them, a pause every call waits through, while counts are asked for only a
// few times a turn (each message once). The wait is a shared-memory handshake (Atomics), so counting stays a plain
// function call for its callers: about the tokenizer's own time plus a thread wake-up.
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';

/** Slots of the shared control block, and the states of a request. */
const SLOTS = { state: 0, value: 1, ready: 2, idle: 0, request: 1, done: 2, failed: 3 } as const;
const INITIAL_TEXT_BYTES = 64 * 1024;
/** Loading the ranks takes a second or so on a slow host; a count itself takes well under a millisecond. */
const READY_TIMEOUT_MS = 30_000;
const COUNT_TIMEOUT_MS = 5_000;

export class TokenCounter {
  readonly #worker: Worker;
  readonly #control = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
  readonly #port: MessagePort;
  #text: Buffer;
  #failure: Error | null = null;

  /**
   * `blockUntilLoaded`: a count before the tokenizer is loaded waits for it (a process's first counter: the node awaits
   * `ready()` before taking calls, tests just count). Otherwise it is an error at once: a replacement loading while
   * calls run must not hold every call's audio for the second loading takes.
   */
  constructor(private readonly options: { blockUntilLoaded: boolean } = { blockUntilLoaded: true }) {
    const data = new SharedArrayBuffer(INITIAL_TEXT_BYTES);
    this.#text = Buffer.from(data);
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#worker = new Worker(new URL('./token-count-worker.mjs', import.meta.url), {
      workerData: { control: this.#control, data, port: port2, slots: SLOTS }, transferList: [port2],
      // Not the parent's loader flags: the worker is plain JavaScript.
      execArgv: [],
    });
    this.#worker.unref();
    this.#worker.on('error', (error) => { this.#failure = new Error(`the tokenizer thread failed: ${error.message}`); });
    this.#worker.on('exit', (code) => { this.#failure ??= new Error(`the tokenizer thread exited (code ${code})`); });
  }

  /** The thread failed or was closed: this counter only throws now. */
  get failed(): boolean {
    return this.#failure !== null;
  }

  /**
   * Resolves once the tokenizer is loaded, without blocking the event loop (a node awaits it before taking calls);
   * rejects as soon as the thread fails to load it.
   */
  async ready(): Promise<void> {
    const deadline = performance.now() + READY_TIMEOUT_MS;
    while (Atomics.load(this.#control, SLOTS.ready) !== 1) {
      if (this.#failure) throw this.#failure;
      if (performance.now() > deadline) throw this.#fail(`the tokenizer did not load within ${READY_TIMEOUT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** The tokens of `text`. Throws a clear error when the tokenizer thread is gone or cannot count it. */
  count(text: string): number {
    return text === '' ? 0 : this.countAll([text]);
  }

  /** The tokens of each text, summed, in one hand-off (a request's messages, say). */
  countAll(texts: readonly string[]): number {
    return this.#request(texts);
  }

  /** The tokens of each text, in one hand-off. */
  countEach(texts: readonly string[]): number[] {
    this.#request(texts);
    return texts.map((_, i) => this.#text.readUInt32LE(4 * i));
  }

  /** Hands the texts to the thread and waits; resolves to their sum, each count left at the buffer's start. */
  #request(texts: readonly string[]): number {
    if (this.#failure) throw this.#failure;
    const control = this.#control;
    if (Atomics.load(control, SLOTS.ready) !== 1) {
      if (!this.options.blockUntilLoaded) throw new Error('the tokenizer is still loading (its thread was restarted)');
      const deadline = performance.now() + READY_TIMEOUT_MS;
      while (Atomics.load(control, SLOTS.ready) !== 1) {
        const leftMs = deadline - performance.now();
        if (leftMs <= 0) throw this.#fail(`the tokenizer did not load within ${READY_TIMEOUT_MS / 1000} s`);
        Atomics.wait(control, SLOTS.ready, 0, leftMs);
      }
    }
    // Each text as its UTF-8 length (4 bytes) and bytes.
    const bytes = texts.reduce((sum, text) => sum + 4 + Buffer.byteLength(text), 0);
    if (bytes > this.#text.length) {
      const data = new SharedArrayBuffer(Math.max(bytes, this.#text.length * 2));
      this.#text = Buffer.from(data);
      this.#port.postMessage(data);
    }
    let offset = 0;
    for (const text of texts) {
      const length = this.#text.write(text, offset + 4, 'utf8');
      this.#text.writeUInt32LE(length, offset);
      offset += 4 + length;
    }
    control[SLOTS.value] = texts.length;
    Atomics.store(control, SLOTS.state, SLOTS.request);
    Atomics.notify(control, SLOTS.state);
    // A wait can end before the answer (an interrupt of this thread): only the state says the answer is there.
    const deadline = performance.now() + COUNT_TIMEOUT_MS;
    while (Atomics.load(control, SLOTS.state) === SLOTS.request) {
      const leftMs = deadline - performance.now();
      if (leftMs <= 0) throw this.#fail(`the tokenizer did not answer within ${COUNT_TIMEOUT_MS / 1000} s`);
      Atomics.wait(control, SLOTS.state, SLOTS.request, leftMs);
    }
    const state = Atomics.load(control, SLOTS.state);
    const count = control[SLOTS.value];
    Atomics.store(control, SLOTS.state, SLOTS.idle);
    if (state !== SLOTS.done) throw new Error(`the tokenizer could not count ${texts.length === 1 ? 'a text' : 'the texts'} of ${texts.reduce((n, t) => n + t.length, 0)} characters`);
    return count;
  }

  /** Ends the thread (tests; a node's counter lives as long as the process). */
  async close(): Promise<void> {
    this.#failure ??= new Error('the token counter is closed');
    await this.#worker.terminate();
  }

  #fail(message: string): Error {
    this.#failure = new Error(message);
    void this.#worker.terminate();
    return this.#failure;
  }
}

let shared: TokenCounter | null = null;

/**
 * The node's token counter, started on first use. One whose thread failed is replaced by the next use, and the
 * replacement's counts are errors (the turn is answered without the LLM) until it has loaded, instead of a stall.
 */
export function tokenCounter(): TokenCounter {
  if (!shared) shared = new TokenCounter();
  else if (shared.failed) shared = new TokenCounter({ blockUntilLoaded: false });
  return shared;
}

/** Tokens of `text` with o200k_base. */
export const countTokens = (text: string): number => tokenCounter().count(text);

/** Tokens of several texts, summed (each counted on its own, as the API counts messages). */
export const countTokensOfAll = (texts: readonly string[]): number => tokenCounter().countAll(texts);

/** Tokens of each of several texts, in one hand-off. */
export const countTokensOfEach = (texts: readonly string[]): number[] => tokenCounter().countEach(texts);
