// The embedded timeline log (no REDIS_URL): one append-only file of length-prefixed CallEvent records per edge
// process, written in batches off the event loop, one at a time and in order. Events wait up to `lingerMs` to join a
// batch: at hundreds of calls events come one per loop turn, and a file write per event costs the loop a thread-pool
// hand-off each (the same trade as a producer's linger.ms). A batch is written to the file before it counts as
// published, so a kill -9 loses nothing that was acknowledged; fdatasync runs at most every `fsyncIntervalMs` (and at
// close), which bounds what a power loss can take. A torn last record (a crash mid-write) is ignored by readers and
// cut off at the next open.
import { closeSync, existsSync, fdatasync, fdatasyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, write } from 'node:fs';
import { dirname } from 'node:path';
import { TypedEmitter } from '@invorto/dsp/typed-emitter.ts';
import type { TimelineSink, TimelineSinkEvents } from './timeline-log.ts';

export interface EmbeddedLogOptions {
  /** How often written batches are forced to the disk (0: after every batch). Default 200 ms. */
  fsyncIntervalMs?: number;
  /** How long an event may wait for others to share its write. Default 20 ms. */
  lingerMs?: number;
}

export class EmbeddedLog extends TypedEmitter<TimelineSinkEvents> implements TimelineSink {
  #fd: number;
  #pending: Buffer[] = [];
  #pendingEvents = 0;
  #oldestPendingMs = 0;
  #lingerTimer: NodeJS.Timeout | null = null;
  #writing = false;
  #idleWaiters: (() => void)[] = [];
  #dirty = false;
  #syncing = false;
  readonly #fsyncIntervalMs: number;
  readonly #lingerMs: number;
  readonly #fsyncTimer: NodeJS.Timeout | null;

  constructor(readonly file: string, options: EmbeddedLogOptions = {}) {
    super();
    mkdirSync(dirname(file), { recursive: true });
    this.#fd = openSync(file, 'a+');
    const intact = EmbeddedLog.intactLength(file);
    ftruncateSync(this.#fd, intact); // a torn tail from a crash would hide every record after it
    this.#fsyncIntervalMs = options.fsyncIntervalMs ?? 200;
    this.#lingerMs = options.lingerMs ?? 20;
    this.#fsyncTimer = this.#fsyncIntervalMs > 0 ? setInterval(() => this.#sync(), this.#fsyncIntervalMs).unref() : null;
  }

  append(_callId: string, _seq: number, encoded: Uint8Array): void {
    if (this.#fd < 0) return;
    const header = Buffer.allocUnsafe(4);
    header.writeUInt32LE(encoded.length, 0);
    this.#pending.push(header, Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength));
    if (this.#pendingEvents++ === 0) this.#oldestPendingMs = performance.now();
    if (!this.#writing) this.#linger(); // else the write in flight lingers for what arrives meanwhile when it is done
  }

  /** Resolves when everything appended so far is written. */
  flush(): Promise<void> {
    if (!this.#writing && this.#pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      this.#write();
    });
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.#fsyncTimer) clearInterval(this.#fsyncTimer);
    if (this.#fd < 0) return;
    try {
      fdatasyncSync(this.#fd);
    } catch (error) {
      this.emit('error', { message: `timeline log ${this.file}: fsync: ${(error as Error).message}` });
    }
    closeSync(this.#fd);
    this.#fd = -1;
  }

  /** One batch at a time, off the event loop (a blocking write stalls every call's audio); order is kept. */
  #write(): void {
    if (this.#lingerTimer) clearTimeout(this.#lingerTimer);
    this.#lingerTimer = null;
    if (this.#writing || this.#fd < 0) return;
    if (this.#pending.length === 0) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
      return;
    }
    const batch = Buffer.concat(this.#pending);
    const events = this.#pendingEvents;
    const oldestPendingMs = this.#oldestPendingMs;
    this.#pending = [];
    this.#pendingEvents = 0;
    this.#writing = true;
    writeAll(this.#fd, batch, (error) => {
      const published = () => {
        this.#writing = false;
        if (error) {
          // A full disk: the events are lost, and said so; the calls go on.
          this.emit('dropped', { events, reason: 'write-failed' });
          this.emit('error', { message: `timeline log ${this.file}: ${error.message}` });
        } else {
          this.emit('published', { events, oldestWaitS: (performance.now() - oldestPendingMs) / 1000 });
        }
        if (this.#idleWaiters.length > 0 || this.#pending.length === 0) this.#write();
        else this.#linger();
      };
      if (error) return published();
      this.#dirty = true;
      // fsyncIntervalMs 0: a batch counts as published only once it is on the disk.
      if (this.#fsyncIntervalMs === 0) this.#sync(published);
      else published();
    });
  }

  #linger(): void {
    this.#lingerTimer ??= setTimeout(() => this.#write(), this.#lingerMs);
  }

  #sync(done: () => void = () => {}): void {
    if (!this.#dirty || this.#fd < 0 || this.#syncing) return done();
    this.#dirty = false;
    this.#syncing = true;
    fdatasync(this.#fd, (error) => {
      this.#syncing = false;
      if (error) this.emit('error', { message: `timeline log ${this.file}: fsync: ${error.message}` });
      done();
    });
  }

  /** Bytes of whole records at the start of the file. */
  static intactLength(file: string): number {
    if (!existsSync(file)) return 0;
    const data = readFileSync(file);
    let offset = 0;
    while (offset + 4 <= data.length && offset + 4 + data.readUInt32LE(offset) <= data.length) offset += 4 + data.readUInt32LE(offset);
    return offset;
  }

  /** Every record in the file, in order. A torn last record (crash mid-write) is ignored. */
  static read(file: string): Uint8Array[] {
    return EmbeddedLog.readFrom(file, 0).map((r) => r.record);
  }

  /** Whole records from a byte offset on, each with its own offset (the record's id in the log). */
  static readFrom(file: string, from: number, maxBytes = Number.MAX_SAFE_INTEGER): { offset: number; record: Uint8Array }[] {
    if (!existsSync(file)) return [];
    // Only the tail is read: a consumer polling a large log pays for what is new.
    const fd = openSync(file, 'r');
    let data: Buffer;
    try {
      const size = fstatSync(fd).size;
      data = Buffer.allocUnsafe(Math.max(0, Math.min(size - from, maxBytes)));
      if (data.length) readSync(fd, data, 0, data.length, from);
    } finally {
      closeSync(fd);
    }
    const records: { offset: number; record: Uint8Array }[] = [];
    for (let at = 0; at + 4 <= data.length;) {
      const length = data.readUInt32LE(at);
      if (at + 4 + length > data.length) break;
      records.push({ offset: from + at, record: data.subarray(at + 4, at + 4 + length) });
      at += 4 + length;
    }
    return records;
  }
}

/** fs.write until every byte is written (a write may take fewer bytes than it was given). */
function writeAll(fd: number, data: Buffer, done: (error: Error | null) => void): void {
  write(fd, data, 0, data.length, null, (error, written) => {
    if (error) return done(error);
    if (written < data.length) return writeAll(fd, data.subarray(written), done);
    done(null);
  });
}
