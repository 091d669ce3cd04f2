// What the processes of `invorto bench load` share: one clock, how a call names itself on the wire, and the
// messages they exchange over IPC. Every process runs on one machine, so CLOCK_MONOTONIC (process.hrtime) is
// the same clock in all of them: a frame's send time in the generator and its arrival time at the ASR emulator
// can be subtracted directly.
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoAgent } from '@invorto/proto/demo-agent.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Milliseconds on the machine-wide monotonic clock (microsecond precision in a double). */
export const clockMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export const FRAME_MS = 20;
export const FRAME_BYTES = 160;
export const MULAW_SILENCE = 0xff;

/**
 * A call's first frame is its signature: near-silent mu-law (0xff is +0, 0xfe is +1 of 8159) carrying a magic run
 * and the call's number in 24 bits. The edge forwards mu-law to Deepgram byte for byte, so the ASR emulator can tell
 * which call a socket carries, and the n-th audio message on that socket is the call's n-th frame.
 */
const MAGIC = [0x7f, 0xff, 0x7f, 0xff, 0x7e, 0xfe, 0x7e, 0xfe];
const ID_BITS = 24;

export function signatureFrame(callId: number): Uint8Array {
  const frame = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE);
  frame.set(MAGIC, 0);
  for (let bit = 0; bit < ID_BITS; bit++) frame[MAGIC.length + bit] = (callId >> bit) & 1 ? 0xfe : 0xff;
  return frame;
}

/** The call number a signature frame carries, or null when the bytes are not a signature. */
export function readSignature(bytes: Uint8Array): number | null {
  if (bytes.length < MAGIC.length + ID_BITS) return null;
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) return null;
  let callId = 0;
  for (let bit = 0; bit < ID_BITS; bit++) {
    const b = bytes[MAGIC.length + bit];
    if (b !== 0xfe && b !== 0xff) return null;
    if (b === 0xfe) callId |= 1 << bit;
  }
  return callId;
}

/**
 * A call and turn as a word the edge's spoken-text rewriting leaves alone (digits would become "seventeen"):
 * digits map to the letters a-j, prefixed "lz" (which a-j never contains). It travels ASR -> LLM -> TTS, so the
 * TTS emulator knows whose reply it is synthesizing.
 */
export const tag = (n: number): string => `lz${String(n).replace(/\d/g, (d) => String.fromCharCode(97 + Number(d)))}`;
const TAGS = /lz([a-j]+) lz([a-j]+)/;
export function readTags(text: string): { callId: number; turn: number } | null {
  const match = TAGS.exec(text);
  if (!match) return null;
  const number = (letters: string) => Number(letters.replace(/[a-j]/g, (c) => String(c.charCodeAt(0) - 97)));
  return { callId: number(match[1]), turn: number(match[2]) };
}

/** Emulated provider latency: subtracted from the turn latency so what remains is the edge's own. */
export const PROVIDER_LATENCY = { asrFinalMs: 50, llmFirstTokenMs: 150, ttsFirstByteMs: 80 };

/** The agent every bench call gets: the demo receptionist, with a short greeting that the phrase cache keeps. */
export const benchAgent = () => ({ ...demoAgent('default'), id: 'bench-load', greeting: 'Hello, how can I help?' });

/**
 * A call that replaces a hung-up one takes the next id in its line: ids of one line are this far apart, so every
 * call on the wire has its own signature (24 bits hold 167 generations of up to 100,000 calls).
 */
export const CALL_ID_STRIDE = 100_000;
export const MAX_CALL_ID = (1 << 24) - 1;

export const BENCH_DEEPGRAM_KEY = 'bench-load-deepgram-key';
export const BENCH_OPENAI_KEY = 'bench-load-openai-key';

// ---- IPC ---------------------------------------------------------------------------------------------------------

/** What an edge process (the real one or the baseline) answers. */
export type EdgeReport =
  | { type: 'ready'; port: number }
  /** id: the request's, so that an answer that came too late is not taken for the next one's. */
  | { type: 'stats'; id: number; lagP50Ms: number; lagP99Ms: number; lagMaxMs: number; utilization: number;
      gc: { count: number; totalMs: number; maxMs: number };
      memory: { heapUsedMb: number; heapTotalMb: number; arrayBuffersMb: number; externalMb: number } };

export interface ListenRecord {
  callId: number;
  /** Arrival time (clockMs) of each audio message, in order. */
  arrivalsMs: Float64Array;
  openedMs: number;
}

export interface ReplyRecord {
  callId: number;
  turn: number;
  /** When the TTS emulator sent the first audio of the reply's first sentence. */
  firstChunkMs: number;
}

export type ProviderReport =
  | { type: 'ready'; deepgramUrl: string; openaiUrl: string }
  | Extract<EdgeReport, { type: 'stats' }>
  /** Audio messages received on all ASR sockets so far. */
  | { type: 'count'; arrivals: number }
  | { type: 'collected'; listens: ListenRecord[]; replies: ReplyRecord[]; unidentifiedSockets: number; ttsChunks: number };

/** Lateness of the generator's own sends against each frame's schedule, in 0.1 ms buckets up to 100 ms. */
export const LATENESS_BUCKET_MS = 0.1;

/** What a generator process reports for each of its calls. */
export interface CallResult {
  callId: number;
  /** clockMs when each frame was sent; index 0 is the signature frame. */
  sendMs: Float64Array;
  /** clockMs when the last labelled speech frame of each utterance was sent. */
  speechEndsMs: number[];
  /** clockMs of the first agent frame after 100 ms without any. */
  replyStartsMs: number[];
  agentFrames: number;
  closeCode: number;
  error: string | null;
}

export type GeneratorCommand =
  /** callDurationMs: each call hangs up after about this long and a new call takes its place (0: calls last the run). */
  | { type: 'config'; url: string; callDurationMs: number }
  | { type: 'add'; callIds: number[] }
  | { type: 'status' }
  | { type: 'hangup' };

export type GeneratorReport =
  | { type: 'configured' }
  | { type: 'status'; open: number; failed: number; framesSent: number; agentFrames: number }
  | { type: 'result'; calls: CallResult[]; latenessHistogram: Uint32Array };

/**
 * A bench child process (tsx-loaded TypeScript) with an IPC channel. It is killed if this process exits, and
 * `stop()` asks it to exit (so a --cpu-prof profile is written), then kills it after a grace period.
 */
export interface BenchChild<Report> {
  child: ChildProcess;
  pid: number;
  next<T extends Report>(type: T extends { type: infer K } ? K : never, timeoutMs?: number): Promise<T>;
  send(message: object): void;
  /** The last lines it wrote on stderr, for error messages. */
  stderr(): string;
  stop(graceMs?: number): Promise<void>;
}

export function startChild<Report extends { type: string }>(file: string, options: { args?: string[]; env?: NodeJS.ProcessEnv; execArgv?: string[] } = {}): BenchChild<Report> {
  const child = fork(file, options.args ?? [], {
    cwd: repoRoot, execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])], env: { ...process.env, ...options.env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced',
  });
  let tail = '';
  child.stderr!.on('data', (chunk: Buffer) => { tail = (tail + chunk.toString()).slice(-4000); });
  const waiting = new Map<string, ((report: Report) => void)[]>();
  const inbox: Report[] = [];
  child.on('message', (report: Report) => {
    const waiter = waiting.get(report.type)?.shift();
    if (waiter) waiter(report);
    else inbox.push(report);
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let exited = false;
  const exit = new Promise<void>((resolveExit) => child.once('exit', () => { exited = true; process.off('exit', killOnExit); resolveExit(); }));
  return {
    child,
    pid: child.pid!,
    next(type, timeoutMs = 30_000) {
      const queued = inbox.findIndex((r) => r.type === type);
      if (queued >= 0) return Promise.resolve(inbox.splice(queued, 1)[0] as never);
      return new Promise((resolveReport, reject) => {
        const timer = setTimeout(() => reject(new Error(`${file}: no "${type}" within ${timeoutMs} ms${exited ? ' (it exited)' : ''}\n${tail}`)), timeoutMs);
        const onExit = () => { clearTimeout(timer); reject(new Error(`${file} exited before "${type}"\n${tail}`)); };
        child.once('exit', onExit);
        const list = waiting.get(type) ?? [];
        list.push((report) => { clearTimeout(timer); child.off('exit', onExit); resolveReport(report as never); });
        waiting.set(type, list);
      });
    },
    send(message) { if (child.connected) child.send(message); },
    stderr: () => tail,
    async stop(graceMs = 10_000) {
      if (exited) return;
      if (child.connected) child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** In a child: sends a report to the parent. */
export const report = (message: object): void => { process.send?.(message); };

/** In a child: exits when the parent goes away, so nothing is left running after a crash. */
export function exitWithParent(onStop: () => Promise<void>): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void onStop().finally(() => process.exit(0));
  };
  process.on('message', (message: { type?: string }) => { if (message?.type === 'stop') stop(); });
  process.on('disconnect', stop);
  process.on('SIGTERM', stop);
}
