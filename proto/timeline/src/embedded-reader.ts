// Reading the embedded timeline logs (<data-dir>/timeline/events*.log) with the same API as Redis Streams: consumer
// groups whose committed position survives a restart (<dir>/groups/<group>.json), entries a stalled consumer held
// claimed by another after `claimIdleMs`, failed entries retried and dead-lettered after `maxAttempts`
// (<dir>/dead-letters.jsonl). Consumers of one group must live in one process: the log is a single node's.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { v1 } from '@invorto/proto';
import { EmbeddedLog } from './embedded-log.ts';
import {
  orderedCallEvents, type BatchHandler, type ConsumerOptions, type GroupBacklog, type TimelineConsumer, type TimelineEntry, type TimelineReader,
} from './timeline-log.ts';

const LOG_FILE = /^events(-w\d+)?\.log$/;
const POLL_MS = 100;
/** A failed entry is offered again after this long (to any consumer of the group). */
const RETRY_MS = 1000;
const READ_BYTES = 1 << 20;

interface Delivery { entry: TimelineEntry; consumer: string; atMs: number; attempts: number; file: string; offset: number }

/** One group's state in this process: where each file is read up to, and what is out with which consumer. */
class GroupState {
  readonly readUpTo: Record<string, number>;
  readonly out = new Map<string, Delivery>();

  constructor(readonly file: string) {
    this.readUpTo = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as Record<string, number> : {};
  }

  /** The committed position per log file: before the oldest entry still out, else everything read. */
  commit(): void {
    const committed = { ...this.readUpTo };
    for (const d of this.out.values()) committed[d.file] = Math.min(committed[d.file] ?? d.offset, d.offset);
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, JSON.stringify(committed));
    renameSync(temporary, this.file);
  }
}

const groups = new Map<string, GroupState>();

export class EmbeddedTimelineReader implements TimelineReader {
  constructor(readonly dir: string) {}

  logFiles(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir).filter((name) => LOG_FILE.test(name)).sort().map((name) => join(this.dir, name));
  }

  async callTimeline(callId: string): Promise<TimelineEntry[]> {
    const mine: TimelineEntry[] = [];
    for (const file of this.logFiles()) {
      for (const { offset, record } of EmbeddedLog.readFrom(file, 0)) {
        const entry = decodeEntry(file, offset, record);
        if (entry && entry.callId === callId) mine.push(entry);
      }
    }
    return orderedCallEvents(mine);
  }

  consumer(options: ConsumerOptions): TimelineConsumer {
    mkdirSync(join(this.dir, 'groups'), { recursive: true });
    const key = this.#groupFile(options.group);
    let state = groups.get(key);
    if (!state) groups.set(key, state = new GroupState(key));
    return new EmbeddedConsumer(this, state, options);
  }

  /** Pending only: counting unread entries would mean reading the log files past the group's position. */
  async groupBacklog(group: string): Promise<GroupBacklog> {
    return { pending: groups.get(this.#groupFile(group))?.out.size ?? 0 };
  }

  #groupFile(group: string): string {
    return join(this.dir, 'groups', `${group.replace(/[^\w.-]/g, '_')}.json`);
  }

  async deadLetters(count = 100): Promise<(TimelineEntry & { group: string; attempts: number; error: string })[]> {
    const file = join(this.dir, 'dead-letters.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(0, count).map((line) => {
      const d = JSON.parse(line) as { id: string; callId: string; seq: number; event: string; group: string; attempts: number; error: string };
      return { ...d, event: Buffer.from(d.event, 'base64') };
    });
  }

  deadLetter(delivery: Delivery, group: string, error: string): void {
    const { entry, attempts } = delivery;
    const line = JSON.stringify({ id: entry.id, callId: entry.callId, seq: entry.seq, event: Buffer.from(entry.event).toString('base64'), group, attempts, error });
    appendFileSync(join(this.dir, 'dead-letters.jsonl'), `${line}\n`);
  }
}

/** The call id and seq of a record; null when the record is not a CallEvent (it is then dead-lettered). */
function decodeEntry(file: string, offset: number, record: Uint8Array): TimelineEntry | null {
  try {
    const event = v1.CallEvent.decode(record);
    if (!event.callId || !event.seq) return null;
    return { id: `${basename(file)}@${offset}`, callId: event.callId, seq: event.seq, event: record };
  } catch {
    return null;
  }
}

class EmbeddedConsumer implements TimelineConsumer {
  #timer: NodeJS.Timeout | null = null;
  #busy = false;
  #closed = false;
  readonly #batch: number;
  readonly #claimIdleMs: number;
  readonly #maxAttempts: number;

  constructor(private readonly reader: EmbeddedTimelineReader, private readonly state: GroupState, private readonly options: ConsumerOptions) {
    this.#batch = options.batch ?? 100;
    this.#claimIdleMs = options.claimIdleMs ?? 30_000;
    this.#maxAttempts = options.maxAttempts ?? 5;
  }

  start(handler: BatchHandler): void {
    this.#timer = setInterval(() => void this.#poll(handler), POLL_MS);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    // A handler that never returns must not hold close() forever: its entries are claimed by another consumer.
    for (let waited = 0; this.#busy && waited < 1000; waited += 10) await new Promise((r) => setTimeout(r, 10));
  }

  async #poll(handler: BatchHandler): Promise<void> {
    if (this.#busy || this.#closed) return;
    this.#busy = true;
    try {
      const batch = [...this.#claim(), ...this.#readNew()].slice(0, this.#batch);
      if (batch.length) await this.#handle(handler, batch);
    } finally {
      this.#busy = false;
    }
  }

  /** Entries out longer than the claim time with any consumer (a dead one, or ours after a failure) are ours now. */
  #claim(): Delivery[] {
    const now = performance.now();
    const claimed: Delivery[] = [];
    for (const d of this.state.out.values()) {
      if (claimed.length >= this.#batch || now - d.atMs < this.#claimIdleMs) continue;
      d.consumer = this.options.consumer;
      d.atMs = now;
      d.attempts++;
      claimed.push(d);
    }
    return claimed;
  }

  #readNew(): Delivery[] {
    const fresh: Delivery[] = [];
    for (const file of this.reader.logFiles()) {
      const name = basename(file);
      for (const { offset, record } of EmbeddedLog.readFrom(file, this.state.readUpTo[name] ?? 0, READ_BYTES)) {
        if (fresh.length >= this.#batch) return fresh;
        this.state.readUpTo[name] = offset + 4 + record.length;
        const entry = decodeEntry(file, offset, record) ?? { id: `${name}@${offset}`, callId: '', seq: 0, event: record };
        const delivery = { entry, consumer: this.options.consumer, atMs: performance.now(), attempts: 1, file: name, offset };
        if (!entry.callId) {
          this.reader.deadLetter(delivery, this.options.group, 'not a CallEvent (malformed record)');
          continue;
        }
        this.state.out.set(entry.id, delivery);
        fresh.push(delivery);
      }
    }
    return fresh;
  }

  async #handle(handler: BatchHandler, batch: Delivery[]): Promise<void> {
    let failed = new Set<string>();
    let error = 'handler failed';
    try {
      const result = await handler(batch.map((d) => d.entry));
      failed = new Set(result?.failed ?? []);
    } catch (thrown) {
      error = (thrown as Error).message;
      failed = new Set(batch.map((d) => d.entry.id));
    }
    if (this.#closed && failed.size === batch.length) return; // closed mid-batch: leave it all for another consumer
    for (const d of batch) {
      if (d.consumer !== this.options.consumer) continue; // claimed away meanwhile: its new holder decides
      if (!failed.has(d.entry.id)) {
        this.state.out.delete(d.entry.id);
      } else if (d.attempts >= this.#maxAttempts) {
        this.reader.deadLetter(d, this.options.group, error);
        this.state.out.delete(d.entry.id);
      } else {
        d.atMs = performance.now() - this.#claimIdleMs + RETRY_MS;
      }
    }
    this.state.commit();
  }
}
