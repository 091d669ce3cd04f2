// The embedded timeline log: one append-only file of length-prefixed CallEvent records, written in batches.
// (The timeline issue adds fsync policy, Redis Streams and consumers; the record format stays.)
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync, fsyncSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TimelineSink } from './call-timeline.ts';

export class EmbeddedLog implements TimelineSink {
  #fd: number;
  #pending: Buffer[] = [];
  #scheduled = false;

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.#fd = openSync(file, 'a');
  }

  append(_callId: string, _seq: number, encoded: Uint8Array): void {
    const header = Buffer.allocUnsafe(4);
    header.writeUInt32LE(encoded.length, 0);
    this.#pending.push(header, Buffer.from(encoded));
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0 || this.#fd < 0) return;
    const batch = Buffer.concat(this.#pending);
    this.#pending = [];
    writeSync(this.#fd, batch);
  }

  close(): void {
    this.flush();
    if (this.#fd >= 0) {
      fsyncSync(this.#fd);
      closeSync(this.#fd);
      this.#fd = -1;
    }
  }

  /** Every record in the file, in order. A torn last record (crash mid-write) is ignored. */
  static read(file: string): Uint8Array[] {
    if (!existsSync(file)) return [];
    const data = readFileSync(file);
    const records: Uint8Array[] = [];
    for (let offset = 0; offset + 4 <= data.length;) {
      const length = data.readUInt32LE(offset);
      if (offset + 4 + length > data.length) break;
      records.push(data.subarray(offset + 4, offset + 4 + length));
      offset += 4 + length;
    }
    return records;
  }
}
