// Reads the Redis timeline back: consumer groups that claim what dead consumers held and dead-letter what keeps
// failing, and one call's events for replay.
import { Redis, type RedisOptions } from 'ioredis';
import { v1 } from '@invorto/proto';
import { TypedEmitter } from '@invorto/dsp/typed-emitter.ts';
import {
  orderedCallEvents, type BatchHandler, type ConsumerOptions, type GroupBacklog, type TimelineConsumer, type TimelineEntry, type TimelineReader,
} from './timeline-log.ts';
import { redisGroupBacklog } from './redis-backlog.ts';

export interface RedisReaderOptions {
  /** redis://[:password@]host:port[/db]; never logged or emitted. */
  url: string;
  streamKey?: string;
  deadLetterKey?: string;
}

export type DeadLetter = TimelineEntry & { group: string; attempts: number; error: string };

type RawEntry = [id: Buffer, fields: Buffer[] | null];

const RANGE_PAGE = 1000;
const BLOCK_MS = 1000;
const DEAD_LETTER_MAX_LEN = 100_000;
// ioredis 6 speaks RESP3 by default, where XREADGROUP's reply is a map flattened to [key, entries] instead of
// RESP2's [[key, entries]]; pinning RESP2 keeps the documented reply shapes parsed below.
const CONNECTION_OPTIONS: RedisOptions = { protocol: 2, connectTimeout: 2000 };
const COMMAND_OPTIONS: RedisOptions = { ...CONNECTION_OPTIONS, commandTimeout: 2000, maxRetriesPerRequest: 1 };

export class RedisTimelineReader implements TimelineReader {
  readonly streamKey: string;
  readonly deadLetterKey: string;
  readonly #url: string;
  #redis: Redis | null = null;

  constructor(options: RedisReaderOptions) {
    this.#url = options.url;
    this.streamKey = options.streamKey ?? 'invorto:timeline';
    this.deadLetterKey = options.deadLetterKey ?? `${this.streamKey}:dead`;
  }

  /** A consumer with its own two connections (one blocks on reads); close it before closing the reader. */
  consumer(options: ConsumerOptions): RedisTimelineConsumer {
    return new RedisTimelineConsumer(this.#url, this.streamKey, this.deadLetterKey, options);
  }

  /**
   * Scans the whole stream in pages of 1,000 and keeps this call's entries: O(stream length), bounded by the sink's
   * MAXLEN. Fine for support and debugging; a per-call index belongs in a consumer that stores timelines.
   */
  async callTimeline(callId: string): Promise<TimelineEntry[]> {
    const kept: TimelineEntry[] = [];
    for (let start = '-'; ;) {
      const page = (await this.#commands().callBuffer('XRANGE', this.streamKey, start, '+', 'COUNT', RANGE_PAGE)) as RawEntry[];
      for (const [id, fields] of page) {
        const parsed = parseEntry(id, fields);
        if ('entry' in parsed && parsed.entry.callId === callId) kept.push(parsed.entry);
      }
      if (page.length < RANGE_PAGE) break;
      start = `(${page[page.length - 1][0].toString()}`;
    }
    return orderedCallEvents(kept);
  }

  /** Oldest first; `id` is the entry's id in the timeline stream, and callId/seq/event are empty if it had none. */
  async deadLetters(count = 100): Promise<DeadLetter[]> {
    const page = (await this.#commands().callBuffer('XRANGE', this.deadLetterKey, '-', '+', 'COUNT', count)) as RawEntry[];
    return page.map(([, fields]) => {
      const field = fieldMap(fields ?? []);
      return {
        id: field.get('id')?.toString() ?? '',
        callId: field.get('call')?.toString() ?? '',
        seq: Number(field.get('seq')?.toString() ?? 0),
        event: field.get('ev') ?? new Uint8Array(0),
        group: field.get('group')?.toString() ?? '',
        attempts: Number(field.get('attempts')?.toString() ?? 0),
        error: field.get('error')?.toString() ?? '',
      };
    });
  }

  groupBacklog(group: string): Promise<GroupBacklog> {
    return redisGroupBacklog(this.#commands(), this.streamKey, group);
  }

  async close(): Promise<void> {
    await this.#redis?.quit().catch(() => undefined);
    this.#redis?.disconnect();
    this.#redis = null;
  }

  #commands(): Redis {
    this.#redis ??= connect(this.#url, { ...COMMAND_OPTIONS, connectionName: 'invorto-timeline-reader' });
    return this.#redis;
  }
}

/**
 * One member of a consumer group. Each pass first claims entries idle longer than claimIdleMs (a dead consumer's,
 * or this one's failures, which is how failed entries are retried), then reads new ones.
 */
export class RedisTimelineConsumer extends TypedEmitter<{ error: { message: string } }> implements TimelineConsumer {
  readonly #streamKey: string;
  readonly #deadLetterKey: string;
  readonly #group: string;
  readonly #name: string;
  readonly #batch: number;
  readonly #claimIdleMs: number;
  readonly #maxAttempts: number;
  readonly #commands: Redis;
  /** XREADGROUP BLOCK holds its connection, so reads get their own. */
  readonly #blocking: Redis;
  #loop: Promise<void> | null = null;
  #closed = false;
  #groupReady = false;
  #claimCursor = '0-0';
  #nextClaimAtMs = 0;
  #wake: (() => void) | null = null;

  constructor(url: string, streamKey: string, deadLetterKey: string, options: ConsumerOptions) {
    super();
    this.#streamKey = streamKey;
    this.#deadLetterKey = deadLetterKey;
    this.#group = options.group;
    this.#name = options.consumer;
    this.#batch = options.batch ?? 100;
    this.#claimIdleMs = options.claimIdleMs ?? 30_000;
    this.#maxAttempts = options.maxAttempts ?? 5;
    // CLIENT SETNAME refuses spaces, and group or consumer names may hold any character.
    const label = `invorto-timeline-${this.#group}-${this.#name}`.replace(/[^\w.:-]/g, '_');
    this.#commands = connect(url, { ...COMMAND_OPTIONS, connectionName: label }, (m) => this.#reportError(m));
    // A stopped server must not hang the read forever: the client gives up 1 s after BLOCK would have ended.
    this.#blocking = connect(url, { ...CONNECTION_OPTIONS, blockingTimeout: BLOCK_MS, blockingTimeoutGrace: BLOCK_MS, connectionName: `${label}-read` }, (m) => this.#reportError(m));
  }

  start(handler: BatchHandler): void {
    if (this.#loop) throw new Error(`timeline consumer ${this.#group}/${this.#name} is already started`);
    this.#loop = this.#run(handler);
  }

  /** Stops reading; a batch already in the handler finishes and is acked first. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    this.#blocking.disconnect();
    await this.#loop;
    await this.#commands.quit().catch(() => undefined);
    this.#commands.disconnect();
  }

  async #run(handler: BatchHandler): Promise<void> {
    let backoffMs = 250;
    while (!this.#closed) {
      try {
        if (!this.#groupReady) await this.#createGroup();
        let entries = await this.#claimIdle();
        if (entries.length === 0) entries = await this.#readNew();
        if (entries.length > 0 && !this.#closed) await this.#handle(entries, handler);
        backoffMs = 250;
      } catch (error) {
        if (this.#closed) break;
        // The stream or group vanished (a Redis without persistence restarted): create it again.
        if (messageOf(error).includes('NOGROUP')) this.#groupReady = false;
        this.#reportError(`timeline consumer ${this.#group}/${this.#name}: ${messageOf(error)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, backoffMs);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        backoffMs = Math.min(backoffMs * 2, 5000);
      }
    }
  }

  /** From '0', so a new group also reads the history the stream still holds. */
  async #createGroup(): Promise<void> {
    try {
      await this.#commands.call('XGROUP', 'CREATE', this.#streamKey, this.#group, '0', 'MKSTREAM');
    } catch (error) {
      if (!messageOf(error).includes('BUSYGROUP')) throw error;
    }
    this.#groupReady = true;
  }

  /** XAUTOCLAIM walks the pending list a page per pass; after a full walk it rests half of claimIdleMs. */
  async #claimIdle(): Promise<RawEntry[]> {
    if (performance.now() < this.#nextClaimAtMs) return [];
    const [next, claimed] = (await this.#commands.callBuffer(
      'XAUTOCLAIM', this.#streamKey, this.#group, this.#name, this.#claimIdleMs, this.#claimCursor, 'COUNT', this.#batch,
    )) as [Buffer, RawEntry[]];
    this.#claimCursor = next.toString();
    if (this.#claimCursor === '0-0') this.#nextClaimAtMs = performance.now() + Math.min(Math.max(this.#claimIdleMs / 2, 100), 5000);
    // Redis 6.2 returns entries deleted since delivery with nil fields (7.0 lists them apart): nothing to handle.
    return claimed.filter(([, fields]) => fields !== null);
  }

  async #readNew(): Promise<RawEntry[]> {
    const reply = (await this.#blocking.callBuffer(
      'XREADGROUP', 'GROUP', this.#group, this.#name, 'COUNT', this.#batch, 'BLOCK', BLOCK_MS, 'STREAMS', this.#streamKey, '>',
    )) as [Buffer, RawEntry[]][] | null;
    return reply?.[0]?.[1] ?? [];
  }

  /** Acks what the handler took; dead-letters malformed entries at once and failures after maxAttempts deliveries. */
  async #handle(raw: RawEntry[], handler: BatchHandler): Promise<void> {
    const entries: TimelineEntry[] = [];
    const malformed = new Map<string, string>();
    for (const [id, fields] of raw) {
      const parsed = parseEntry(id, fields);
      const problem = 'error' in parsed ? parsed.error : eventMismatch(parsed.entry);
      if ('entry' in parsed && problem === null) entries.push(parsed.entry);
      else malformed.set(id.toString(), problem ?? '');
    }
    let failed = new Set<string>();
    let failure = 'the handler reported this entry as failed';
    if (entries.length > 0) {
      try {
        failed = new Set((await handler(entries))?.failed ?? []);
      } catch (error) {
        failed = new Set(entries.map((e) => e.id));
        failure = `the handler threw: ${messageOf(error)}`;
      }
    }
    const done = entries.filter((e) => !failed.has(e.id)).map((e) => e.id);
    if (done.length > 0) await this.#commands.xack(this.#streamKey, this.#group, ...done);
    if (failed.size === 0 && malformed.size === 0) return;
    const attempts = await this.#deliveryCounts([...failed, ...malformed.keys()]);
    for (const [id, fields] of raw) {
      const key = id.toString();
      const error = malformed.get(key) ?? (failed.has(key) && (attempts.get(key) ?? 0) >= this.#maxAttempts ? failure : null);
      if (error !== null) await this.#deadLetter(key, fields ?? [], attempts.get(key) ?? 1, error);
    }
  }

  async #deliveryCounts(ids: string[]): Promise<Map<string, number>> {
    const pipeline = this.#commands.pipeline();
    for (const id of ids) pipeline.xpending(this.#streamKey, this.#group, id, id, 1);
    const replies = (await pipeline.exec()) ?? [];
    const counts = new Map<string, number>();
    for (const [error, reply] of replies) {
      const row = (reply as [string, string, number, number][] | null)?.[0];
      if (!error && row) counts.set(row[0], row[3]);
    }
    return counts;
  }

  /** Copies the entry to the dead-letter stream and acks it, atomically. */
  async #deadLetter(id: string, fields: Buffer[], attempts: number, error: string): Promise<void> {
    const original = [...fieldMap(fields)].filter(([name]) => name === 'call' || name === 'seq' || name === 'ev').flat();
    await this.#commands.multi()
      .xadd(this.#deadLetterKey, 'MAXLEN', '~', DEAD_LETTER_MAX_LEN, '*', 'id', id, 'group', this.#group, 'attempts', attempts, 'error', error, ...original)
      .xack(this.#streamKey, this.#group, id)
      .exec();
  }

  #reportError(message: string): void {
    this.emit('error', { message });
  }
}

function connect(url: string, options: RedisOptions, onError?: (message: string) => void): Redis {
  const redis = new Redis(url, options);
  // Without a listener ioredis prints every reconnect failure; its messages name host and port, never the password.
  redis.on('error', (error: Error) => onError?.(`timeline Redis connection: ${error.message}`));
  return redis;
}

function parseEntry(id: Buffer, fields: Buffer[] | null): { entry: TimelineEntry } | { error: string } {
  const field = fieldMap(fields ?? []);
  const missing = ['call', 'seq', 'ev'].filter((name) => !field.has(name));
  if (missing.length > 0) return { error: `entry ${id} lacks the field(s) ${missing.join(', ')}; a timeline entry has call, seq and ev` };
  const seq = Number(field.get('seq')!.toString());
  if (!Number.isInteger(seq) || seq < 1) return { error: `entry ${id} has seq "${field.get('seq')}", not a positive integer` };
  return { entry: { id: id.toString(), callId: field.get('call')!.toString(), seq, event: field.get('ev')! } };
}

/** The fields are what consumers index by, so they must agree with the CallEvent they describe. */
function eventMismatch(entry: TimelineEntry): string | null {
  try {
    const event = v1.CallEvent.decode(entry.event);
    if (event.callId === entry.callId && event.seq === entry.seq) return null;
    return `entry ${entry.id}: its ev is call ${event.callId} seq ${event.seq}, but its fields say call ${entry.callId} seq ${entry.seq}`;
  } catch (error) {
    return `entry ${entry.id}: ev is not a protobuf CallEvent (${messageOf(error)})`;
  }
}

function fieldMap(fields: Buffer[]): Map<string, Buffer> {
  const map = new Map<string, Buffer>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i].toString(), fields[i + 1]);
  return map;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
