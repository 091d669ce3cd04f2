// The Redis sink's local spool: while Redis is unreachable, events are appended here and replayed to Redis later,
// in order. Records use the embedded log's format (4-byte LE length + protobuf CallEvent), so `EmbeddedLog.read`
// can inspect a spool; the CallEvent carries call_id and seq, which replay needs. Each batch is one writeSync, so a
// killed process loses nothing the spool accepted (a machine crash can still lose what the page cache held).
import { closeSync, fsyncSync, ftruncateSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { v1 } from '@invorto/proto';

export interface SpoolRecord {
  callId: string;
  seq: number;
  event: Uint8Array;
}

/** Records read past the replayed mark; hand it back to commit() once they are stored elsewhere. */
export interface SpoolChunk {
  records: SpoolRecord[];
  /** Records that are not CallEvents (nothing this sink wrote): skipped, and reported by the caller. */
  undecodable: number;
  endOffset: number;
}

const HEADER_BYTES = 4;
const READ_CHUNK_BYTES = 1 << 20;

export class Spool {
  #fd: number;
  /** Bytes of whole records in the file. */
  #sizeBytes = 0;
  /** Records before this offset are already replayed; the file is truncated once it reaches the end. */
  #replayedOffset = 0;
  #records = 0;
  #replayedRecords = 0;

  constructor(readonly file: string, readonly maxBytes: number) {
    mkdirSync(dirname(file), { recursive: true });
    this.#fd = openSync(file, 'a+');
    this.#recoverLeftover();
  }

  /** Records waiting to be replayed. */
  get backlog(): number {
    return this.#records - this.#replayedRecords;
  }

  get sizeBytes(): number {
    return this.#sizeBytes;
  }

  /** Appends, in order, the events that fit under maxBytes, in one write; returns how many were written. */
  append(events: Uint8Array[]): number {
    const parts: Buffer[] = [];
    let bytes = 0;
    for (const event of events) {
      if (this.#sizeBytes + bytes + HEADER_BYTES + event.length > this.maxBytes) break;
      const header = Buffer.allocUnsafe(HEADER_BYTES);
      header.writeUInt32LE(event.length, 0);
      parts.push(header, Buffer.from(event.buffer, event.byteOffset, event.length));
      bytes += HEADER_BYTES + event.length;
    }
    if (bytes === 0) return 0;
    const data = Buffer.concat(parts, bytes);
    for (let written = 0; written < data.length;) written += writeSync(this.#fd, data, written, data.length - written);
    this.#sizeBytes += bytes;
    this.#records += parts.length / 2;
    return parts.length / 2;
  }

  /** Up to maxRecords records after the replayed mark, without moving it. */
  peek(maxRecords: number): SpoolChunk {
    const chunk: SpoolChunk = { records: [], undecodable: 0, endOffset: this.#replayedOffset };
    this.#scan(this.#replayedOffset, maxRecords, (bytes, end) => {
      chunk.endOffset = end;
      try {
        const event = v1.CallEvent.decode(bytes);
        chunk.records.push({ callId: event.callId, seq: event.seq, event: bytes });
      } catch {
        chunk.undecodable += 1;
      }
    });
    return chunk;
  }

  /** Marks a peeked chunk as stored; an empty spool is truncated so the file does not grow forever. */
  commit(chunk: SpoolChunk): void {
    this.#replayedRecords += chunk.records.length + chunk.undecodable;
    this.#replayedOffset = chunk.endOffset;
    if (this.#replayedOffset < this.#sizeBytes) return;
    ftruncateSync(this.#fd, 0);
    this.#sizeBytes = this.#replayedOffset = this.#records = this.#replayedRecords = 0;
  }

  close(): void {
    if (this.#fd < 0) return;
    fsyncSync(this.#fd);
    closeSync(this.#fd);
    this.#fd = -1;
  }

  /** Counts the records a previous process left and cuts a torn last record, so new appends stay aligned. */
  #recoverLeftover(): void {
    const fileBytes = fstatSync(this.#fd).size;
    this.#sizeBytes = fileBytes;
    let validEnd = 0;
    this.#scan(0, Infinity, (_bytes, end) => {
      validEnd = end;
      this.#records += 1;
    });
    if (validEnd < fileBytes) ftruncateSync(this.#fd, validEnd);
    this.#sizeBytes = validEnd;
  }

  /** Calls back with each whole record from `offset`, reading the file in large chunks. */
  #scan(offset: number, maxRecords: number, onRecord: (bytes: Uint8Array, end: number) => void): void {
    let count = 0;
    while (count < maxRecords && offset + HEADER_BYTES <= this.#sizeBytes) {
      const data = this.#read(offset, Math.min(READ_CHUNK_BYTES, this.#sizeBytes - offset));
      let position = 0;
      while (count < maxRecords && position + HEADER_BYTES <= data.length) {
        const end = position + HEADER_BYTES + data.readUInt32LE(position);
        if (end > data.length) break;
        onRecord(data.subarray(position + HEADER_BYTES, end), offset + end);
        position = end;
        count += 1;
      }
      if (position > 0) {
        offset += position;
        continue;
      }
      // A record larger than the chunk: read it whole, or stop at a torn tail.
      const recordEnd = offset + HEADER_BYTES + data.readUInt32LE(0);
      if (recordEnd > this.#sizeBytes) return;
      onRecord(this.#read(offset + HEADER_BYTES, recordEnd - offset - HEADER_BYTES), recordEnd);
      offset = recordEnd;
      count += 1;
    }
  }

  #read(offset: number, length: number): Buffer {
    const data = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(this.#fd, data, got, length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return data.subarray(0, got);
  }
}
