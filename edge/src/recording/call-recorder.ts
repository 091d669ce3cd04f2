// One call's stereo recording: the caller on the left, on the right what the caller's carrier played of the agent.
// Both are placed on the call's clock (the recorder's own start, wall time), so they line up as the caller heard
// them. Frames are copied into interleaved blocks in memory; a block is sealed once the call's clock is a second
// past it (nothing can change it any more), sealed blocks are written to the recording's file in one large write
// once enough of them are held (the write runs on libuv's threads, off the event loop), and memory stays bounded
// however long the call is. Any failure stops the recording with a reason; it never throws into the call.
import { open, rm, type FileHandle } from 'node:fs/promises';
import { decodeAlaw, decodeMulaw, encodeMulaw } from '@invorto/dsp/g711.ts';
import { bytesPerSample, wavHeader, wavHeaderBytes, type RecordingEncoding } from './wav.ts';

export interface CallRecorderOptions {
  encoding: RecordingEncoding;
  /** The call's audio as the carrier sends and takes it. */
  input: { encoding: 'mulaw' | 'alaw' | 'l16'; sampleRateHz: number };
  /** Where the WAV is written: spilled blocks during the call, the rest and the header when it ends. */
  file: string;
  /** Sealed audio held before it is written out in one write (default 256 KiB: 16 s of mu-law stereo at 8 kHz). */
  spillAtBytes?: number;
  /** Held audio past this (the disk is slower than the call) stops the recording (default 4 x spillAtBytes). */
  maxMemoryBytes?: number;
  /** The call's clock, ms (default performance.now). */
  nowMs?: () => number;
  /** The recording stopped early (disk full, disk too slow): told once, with the reason. */
  onStopped?: (reason: string) => void;
}

export interface FinishedRecording {
  file: string;
  bytes: number;
  durationS: number;
}

/** Interleaved bytes per block: a second of mu-law stereo at 8 kHz. */
const BLOCK_BYTES = 16_384;
/** How far behind the clock a block must end before it is sealed: later writes to it are dropped. */
const SEAL_LAG_MS = 1000;
/** Caller audio arriving this late after the last is placed where it arrived (media stopped meanwhile). */
const CALLER_GAP_MS = 100;
/** Agent audio arriving after the carrier's buffer ran dry by more than this starts where it arrived. */
const AGENT_GAP_MS = 40;
const LEFT = 0;
const RIGHT = 1;

export class CallRecorder {
  readonly #options: CallRecorderOptions;
  readonly #nowMs: () => number;
  readonly #t0: number;
  readonly #samplesPerMs: number;
  readonly #sampleBytes: number;
  readonly #frameBytes: number;
  readonly #blockSamples: number;
  readonly #silence: Uint8Array;
  readonly #spillAtBytes: number;
  readonly #maxMemoryBytes: number;
  /** Live (unsealed) blocks by block number. */
  readonly #live = new Map<number, Uint8Array>();
  /** Blocks below this number are sealed. */
  #sealedBlocks = 0;
  /** Sealed blocks not yet handed to the file. */
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #inFlightBytes = 0;
  #writing: Promise<void> = Promise.resolve();
  #file: FileHandle | null = null;
  /** Data bytes handed to the file so far (its write position past the header). */
  #fileDataBytes = 0;
  #leftEnd = 0;
  #rightEnd = 0;
  #stopped: string | null = null;
  #finished = false;
  /** Samples that arrived for a block already sealed (a stalled event loop), dropped. */
  lateSamples = 0;

  constructor(options: CallRecorderOptions) {
    this.#options = options;
    this.#nowMs = options.nowMs ?? (() => performance.now());
    this.#t0 = this.#nowMs();
    this.#samplesPerMs = options.input.sampleRateHz / 1000;
    this.#sampleBytes = bytesPerSample(options.encoding);
    this.#frameBytes = 2 * this.#sampleBytes;
    this.#blockSamples = BLOCK_BYTES / this.#frameBytes;
    this.#silence = new Uint8Array(BLOCK_BYTES).fill(options.encoding === 'mulaw' ? 0xff : 0);
    this.#spillAtBytes = options.spillAtBytes ?? 262_144;
    this.#maxMemoryBytes = options.maxMemoryBytes ?? 4 * this.#spillAtBytes;
  }

  /** Why the recording stopped early, or null. */
  get stopped(): string | null {
    return this.#stopped;
  }

  /** Bytes of audio this recorder holds in memory now (live, sealed and in-flight blocks). */
  get heldBytes(): number {
    return this.#live.size * BLOCK_BYTES + this.#pendingBytes + this.#inFlightBytes;
  }

  /** A payload of caller audio, as it arrived from the carrier. */
  caller(payload: Uint8Array): void {
    if (this.#stopped || this.#finished) return;
    const samples = this.#convert(payload);
    const count = samples.length / this.#sampleBytes;
    const now = this.#nowSample();
    if (this.#leftEnd + count < now - CALLER_GAP_MS * this.#samplesPerMs) this.#leftEnd = Math.max(0, now - count);
    this.#write(LEFT, this.#leftEnd, samples);
    this.#leftEnd += count;
    this.#seal(now);
  }

  /** A frame of agent audio the carrier was sent: it plays after what it holds, or now if it holds nothing. */
  agent(frame: Uint8Array): void {
    if (this.#stopped || this.#finished) return;
    const samples = this.#convert(frame);
    const now = this.#nowSample();
    if (this.#rightEnd < now - AGENT_GAP_MS * this.#samplesPerMs) this.#rightEnd = now;
    this.#write(RIGHT, this.#rightEnd, samples);
    this.#rightEnd += samples.length / this.#sampleBytes;
  }

  /** The carrier was told to clear: what it had not played yet was never heard. */
  clear(): void {
    if (this.#stopped || this.#finished) return;
    const now = this.#nowSample();
    if (this.#rightEnd <= now) return;
    for (let from = Math.max(now, this.#sealedBlocks * this.#blockSamples); from < this.#rightEnd; from += this.#blockSamples) {
      const count = Math.min(this.#blockSamples, this.#rightEnd - from);
      this.#write(RIGHT, from, this.#silence.subarray(0, count * this.#sampleBytes));
    }
    this.#rightEnd = now;
  }

  /**
   * The call ended: the agent audio not yet played is cut, the rest written and the header put in front.
   * Resolves with the WAV, or null when the recording stopped (the reason is in `stopped`).
   */
  async finish(): Promise<FinishedRecording | null> {
    if (this.#finished) throw new Error('a call recording can be finished once');
    this.clear();
    this.#finished = true;
    if (this.#stopped) return null;
    // The recording spans the call to its hang-up on the call's clock, whoever spoke last.
    const endSample = Math.max(this.#leftEnd, this.#rightEnd, this.#nowSample());
    const endBlock = Math.ceil(endSample / this.#blockSamples);
    this.#sealBlocksBelow(endBlock);
    const dataBytes = endSample * this.#frameBytes;
    const tail = this.#fileDataBytes + this.#pendingBytes - dataBytes;
    if (tail > 0 && this.#pending.length) {
      const last = this.#pending.length - 1;
      this.#pending[last] = this.#pending[last].subarray(0, this.#pending[last].length - tail);
      this.#pendingBytes -= tail;
    }
    this.#spill();
    await this.#writing;
    if (this.#stopped) return null;
    try {
      const file = await this.#openFile();
      await file.write(wavHeader({ encoding: this.#options.encoding, sampleRateHz: this.#options.input.sampleRateHz, channels: 2 }, dataBytes), 0, undefined, 0);
      // A block already on disk may reach past the end (only what was still in memory was trimmed above): the file
      // ends where its header says, for tools that read to the end of the file rather than the header's length.
      await file.truncate(wavHeaderBytes(this.#options.encoding) + dataBytes);
      await file.close();
      this.#file = null;
    } catch (error) {
      this.#stop(writeFailure(error, this.#options.file));
      return null;
    }
    return { file: this.#options.file, bytes: wavHeaderBytes(this.#options.encoding) + dataBytes, durationS: endSample / this.#samplesPerMs / 1000 };
  }

  /** Gives up the recording (the call could not start, or the edge is closing): its file is removed. */
  async discard(): Promise<void> {
    this.#finished = true;
    this.#stop('discarded');
    await this.#writing;
  }

  #nowSample(): number {
    return Math.floor((this.#nowMs() - this.#t0) * this.#samplesPerMs);
  }

  /** The payload in the recording's encoding, as bytes. */
  #convert(payload: Uint8Array): Uint8Array {
    const { input, encoding } = this.#options;
    if (input.encoding === 'mulaw' && encoding === 'mulaw') return payload;
    let pcm: Int16Array;
    if (input.encoding === 'mulaw') pcm = decodeMulaw(payload);
    else if (input.encoding === 'alaw') pcm = decodeAlaw(payload);
    else if (encoding === 'pcm16') return payload.subarray(0, payload.length & ~1);
    else pcm = new Int16Array(payload.slice(0, payload.length & ~1).buffer);
    return encoding === 'mulaw' ? encodeMulaw(pcm) : new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  }

  /** Copies `samples` (bytes in the recording's encoding) into one channel from sample `at` on. */
  #write(channel: number, at: number, samples: Uint8Array): void {
    const sampleBytes = this.#sampleBytes;
    const count = samples.length / sampleBytes;
    for (let i = 0; i < count;) {
      const sample = at + i;
      const blockNumber = Math.floor(sample / this.#blockSamples);
      const inBlock = sample - blockNumber * this.#blockSamples;
      const run = Math.min(count - i, this.#blockSamples - inBlock);
      if (blockNumber < this.#sealedBlocks) {
        this.lateSamples += run;
      } else {
        const block = this.#block(blockNumber);
        let offset = inBlock * this.#frameBytes + channel * sampleBytes;
        let from = i * sampleBytes;
        for (let k = 0; k < run; k++, offset += this.#frameBytes) {
          for (let b = 0; b < sampleBytes; b++) block[offset + b] = samples[from++];
        }
      }
      i += run;
    }
  }

  #block(blockNumber: number): Uint8Array {
    let block = this.#live.get(blockNumber);
    if (!block) {
      block = this.#silence.slice();
      this.#live.set(blockNumber, block);
    }
    return block;
  }

  #seal(nowSample: number): void {
    const sealable = Math.floor((nowSample - SEAL_LAG_MS * this.#samplesPerMs) / this.#blockSamples);
    if (sealable > this.#sealedBlocks) this.#sealBlocksBelow(sealable);
  }

  #sealBlocksBelow(blockNumber: number): void {
    for (let n = this.#sealedBlocks; n < blockNumber; n++) {
      const block = this.#live.get(n) ?? this.#silence.slice();
      this.#live.delete(n);
      this.#pending.push(block);
      this.#pendingBytes += block.length;
    }
    this.#sealedBlocks = Math.max(this.#sealedBlocks, blockNumber);
    if (this.heldBytes > this.#maxMemoryBytes) this.#stop(`the disk is too slow: ${this.heldBytes} bytes of audio waiting to be written to ${this.#options.file}`);
    else if (this.#pendingBytes >= this.#spillAtBytes) this.#spill();
  }

  /** Hands the sealed blocks to the file in one write; writes run one after another, in order. */
  #spill(): void {
    if (this.#pending.length === 0 || this.#stopped) return;
    const blocks = this.#pending;
    const bytes = this.#pendingBytes;
    const position = wavHeaderBytes(this.#options.encoding) + this.#fileDataBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#inFlightBytes += bytes;
    this.#fileDataBytes += bytes;
    this.#writing = this.#writing.then(async () => {
      if (this.#stopped) return;
      try {
        const file = await this.#openFile();
        await file.writev(blocks, position);
      } catch (error) {
        this.#stop(writeFailure(error, this.#options.file));
      } finally {
        this.#inFlightBytes -= bytes;
      }
    });
  }

  async #openFile(): Promise<FileHandle> {
    this.#file ??= await open(this.#options.file, 'w');
    return this.#file;
  }

  #stop(reason: string): void {
    if (this.#stopped) return;
    this.#stopped = reason;
    this.#live.clear();
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#writing = this.#writing.then(async () => {
      await this.#file?.close().catch(() => {});
      this.#file = null;
      await rm(this.#options.file, { force: true }).catch(() => {});
    });
    if (reason !== 'discarded') this.#options.onStopped?.(reason);
  }
}

function writeFailure(error: unknown, file: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return `the disk is full (${code}) writing ${file}`;
  return `could not write ${file}: ${(error as Error).message}`;
}
