// Publishes calls' events to a Redis stream, one round trip per batch, through a Lua script that skips events
// already stored, so a retried, replayed or late-arriving stale batch never duplicates. While Redis is unreachable
// or slow, events go to a bounded local spool and are replayed in order once it answers again.
import { Redis } from 'ioredis';
import { TypedEmitter } from '@invorto/dsp/typed-emitter.ts';
import { Spool, type SpoolRecord } from './spool.ts';
import type { TimelineSink, TimelineSinkEvents } from './timeline-log.ts';

export interface RedisSinkOptions {
  /** redis://[:password@]host:port[/db]; never logged or emitted. */
  url: string;
  streamKey?: string;
  /** Approximate stream length kept (XADD MAXLEN ~). */
  maxLen?: number;
  spoolFile: string;
  spoolMaxBytes?: number;
  /** Events per round trip. */
  batchMax?: number;
}

interface PendingEvent extends SpoolRecord {
  appendedAtMs: number;
}

const COMMAND_TIMEOUT_MS = 1000;
const FIRST_CONNECT_GRACE_MS = 1000;
const REPLAY_BACKOFF_MIN_MS = 250;
const REPLAY_BACKOFF_MAX_MS = 5000;
const SEQ_KEY_TTL_S = 24 * 3600;

// Redis 7.0 has no idempotent XADD. Events of one call come from one edge in seq order, so an event whose seq is not
// above the call's stored seq is already in the stream. KEYS[1] is the stream, KEYS[1+i] event i's seq key;
// ARGV is maxLen, ttl, then call, seq, ev for each event. Returns how many were added.
const APPEND_SCRIPT = `
local added = 0
for i = 2, #KEYS do
  local at = 3 + (i - 2) * 3
  local seq = tonumber(ARGV[at + 1])
  if seq > tonumber(redis.call('GET', KEYS[i]) or '0') then
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'call', ARGV[at], 'seq', ARGV[at + 1], 'ev', ARGV[at + 2])
    redis.call('SET', KEYS[i], ARGV[at + 1], 'EX', ARGV[2])
    added = added + 1
  end
end
return added`;
const APPEND_COMMAND = 'invortoTimelineAppend';

type AppendCommand = (numKeys: number, ...args: (string | Buffer)[]) => Promise<number>;

export class RedisTimelineSink extends TypedEmitter<TimelineSinkEvents> implements TimelineSink {
  readonly streamKey: string;
  readonly #maxLen: number;
  readonly #batchMax: number;
  readonly #redis: Redis;
  readonly #spool: Spool;
  readonly #secret: string;
  /** Appended, not yet sent to Redis nor written to the spool. */
  #pending: PendingEvent[] = [];
  #scheduled = false;
  /** One direct batch at a time: if it fails, it and everything after it are spooled in append order. */
  #inFlight = false;
  #waitingForFirstConnect = true;
  #replayer: Promise<void> | null = null;
  #wakeReplayer: (() => void) | null = null;
  #appended = 0;
  #settled = 0;
  #flushWaiters: { target: number; resolve: () => void }[] = [];
  #lastConnectionError = '';
  #closed = false;
  readonly #graceTimer: NodeJS.Timeout;
  #duplicatesSkipped = 0;

  constructor(options: RedisSinkOptions) {
    super();
    this.streamKey = options.streamKey ?? 'invorto:timeline';
    this.#maxLen = options.maxLen ?? 1_000_000;
    this.#batchMax = options.batchMax ?? 256;
    this.#secret = passwordOf(options.url);
    this.#spool = new Spool(options.spoolFile, options.spoolMaxBytes ?? 256 * 1024 * 1024);
    // Fail fast instead of queueing: a command either reaches Redis within a second or its events are spooled.
    this.#redis = new Redis(options.url, {
      commandTimeout: COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: 2 * COMMAND_TIMEOUT_MS,
      retryStrategy: (times) => Math.min(REPLAY_BACKOFF_MIN_MS * 2 ** (times - 1), REPLAY_BACKOFF_MAX_MS),
      connectionName: 'invorto-timeline-sink',
    });
    this.#redis.defineCommand(APPEND_COMMAND, { lua: APPEND_SCRIPT });
    this.#redis.on('ready', () => {
      this.#lastConnectionError = '';
      this.#endFirstConnectWait();
      this.#wakeReplayer?.(); // reconnected: replay now rather than after the rest of the backoff
    });
    this.#redis.on('error', (error: Error) => {
      // ioredis reports every failed reconnect; one message per outage is enough.
      if (error.message !== this.#lastConnectionError) this.#reportError(`timeline Redis connection: ${error.message}`);
      this.#lastConnectionError = error.message;
      this.#endFirstConnectWait();
    });
    this.#graceTimer = setTimeout(() => this.#endFirstConnectWait(), FIRST_CONNECT_GRACE_MS);
    if (this.#spool.backlog > 0) {
      // A previous process's spool: reported once the creator has had a chance to listen.
      queueMicrotask(() => this.emit('backlog', { events: this.#spool.backlog }));
      this.#startReplayer();
    }
  }

  /** Events the script found already stored (a stale or replayed batch): proof of de-duplication, not an error. */
  get duplicatesSkipped(): number {
    return this.#duplicatesSkipped;
  }

  /** Events waiting in the spool. */
  get backlog(): number {
    return this.#spool.backlog;
  }

  append(callId: string, seq: number, encoded: Uint8Array): void {
    if (this.#closed) {
      this.emit('dropped', { events: 1, reason: 'the timeline sink is closed' });
      return;
    }
    this.#appended += 1;
    this.#pending.push({ callId, seq, event: encoded, appendedAtMs: performance.now() });
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#pump());
    }
  }

  flush(): Promise<void> {
    const target = this.#appended;
    if (this.#settled >= target) return Promise.resolve();
    return new Promise((resolve) => this.#flushWaiters.push({ target, resolve }));
  }

  /** Flushes, stops replaying (a remaining spool is replayed by the next process) and disconnects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.flush();
    clearTimeout(this.#graceTimer);
    this.#wakeReplayer?.();
    await this.#replayer;
    this.#spool.close();
    await this.#redis.quit().catch(() => undefined);
    this.#redis.disconnect();
  }

  #pump(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0) return;
    // Per-call order: while older events wait in the spool, newer ones queue behind them there.
    if (this.#spool.backlog > 0) return this.#toSpool(this.#pending.splice(0));
    if (this.#inFlight || this.#waitingForFirstConnect) return;
    void this.#publish(this.#pending.splice(0, this.#batchMax));
  }

  async #publish(batch: PendingEvent[]): Promise<void> {
    this.#inFlight = true;
    try {
      await this.#store(batch);
      this.#inFlight = false;
      this.emit('published', { events: batch.length, oldestWaitS: (performance.now() - batch[0].appendedAtMs) / 1000 });
      this.#settle(batch.length);
    } catch (error) {
      this.#inFlight = false;
      this.#reportError(`timeline publish to Redis failed, spooling locally: ${messageOf(error)}`);
      this.#toSpool([...batch, ...this.#pending.splice(0)]);
    }
    this.#pump();
  }

  #toSpool(events: SpoolRecord[]): void {
    const written = this.#spool.append(events.map((e) => e.event));
    if (written > 0) this.emit('spooled', { events: written });
    if (written < events.length) {
      const reason = `the timeline spool ${this.#spool.file} is full (${this.#spool.maxBytes} bytes); raise spoolMaxBytes or restore Redis`;
      this.emit('dropped', { events: events.length - written, reason });
    }
    this.#settle(events.length);
    this.emit('backlog', { events: this.#spool.backlog });
    if (this.#spool.backlog > 0) this.#startReplayer();
  }

  #startReplayer(): void {
    this.#replayer ??= this.#replay().finally(() => {
      this.#replayer = null;
      if (!this.#closed) this.#pump();
    });
  }

  /** Drains the spool in order: after a failure, waits for a PING to answer (250 ms doubling to 5 s) first. */
  async #replay(): Promise<void> {
    let backoffMs = REPLAY_BACKOFF_MIN_MS;
    let answering = false;
    while (!this.#closed && this.#spool.backlog > 0) {
      if (!answering) {
        await this.#sleep(backoffMs);
        if (this.#closed) return;
        answering = await this.#redis.ping().then(() => true, () => false);
        backoffMs = answering ? REPLAY_BACKOFF_MIN_MS : Math.min(backoffMs * 2, REPLAY_BACKOFF_MAX_MS);
        continue;
      }
      const chunk = this.#spool.peek(this.#batchMax);
      try {
        await this.#store(chunk.records);
      } catch (error) {
        this.#reportError(`timeline replay to Redis failed, will retry: ${messageOf(error)}`);
        answering = false;
        continue;
      }
      this.#spool.commit(chunk);
      if (chunk.records.length > 0) this.emit('replayed', { events: chunk.records.length });
      if (chunk.undecodable > 0) {
        this.emit('dropped', { events: chunk.undecodable, reason: `the timeline spool ${this.#spool.file} held records that are not CallEvents` });
      }
      this.emit('backlog', { events: this.#spool.backlog });
    }
  }

  /** One round trip for the whole batch. */
  async #store(events: SpoolRecord[]): Promise<void> {
    if (events.length === 0) return;
    const keys = [this.streamKey, ...events.map((e) => `${this.streamKey}:seq:${e.callId}`)];
    const args: (string | Buffer)[] = [String(this.#maxLen), String(SEQ_KEY_TTL_S)];
    for (const e of events) args.push(e.callId, String(e.seq), Buffer.from(e.event.buffer, e.event.byteOffset, e.event.length));
    const append = (this.#redis as unknown as Record<string, AppendCommand>)[APPEND_COMMAND];
    const added = await append.call(this.#redis, keys.length, ...keys, ...args);
    this.#duplicatesSkipped += events.length - added;
  }

  #settle(events: number): void {
    this.#settled += events;
    const done = this.#flushWaiters.filter((w) => w.target <= this.#settled);
    if (done.length === 0) return;
    this.#flushWaiters = this.#flushWaiters.filter((w) => w.target > this.#settled);
    for (const waiter of done) waiter.resolve();
  }

  #endFirstConnectWait(): void {
    if (!this.#waitingForFirstConnect) return;
    this.#waitingForFirstConnect = false;
    clearTimeout(this.#graceTimer);
    this.#pump();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wakeReplayer = done;
    });
  }

  #reportError(message: string): void {
    this.emit('error', { message: this.#secret ? message.replaceAll(this.#secret, '***') : message });
  }
}

function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
