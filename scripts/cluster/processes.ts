// Child processes of the cluster test: each one's output goes to a log file in the run's folder and is kept in
// memory line by line with the time it was read, so a test can wait for a line and order lines by time.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';

export interface LoggedLine { atMs: number; text: string }

export interface LoggedProcess {
  name: string;
  child: ChildProcess;
  lines: LoggedLine[];
  exited: Promise<number | null>;
  /** Resolves with the first line matching `pattern` (from `fromIndex`), rejects after `timeoutMs` or at exit. */
  waitFor(pattern: RegExp, timeoutMs: number, fromIndex?: number): Promise<LoggedLine>;
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL if still running, and wait for the exit. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// A test runner that dies mid-run must not leave servers behind.
process.once('exit', () => { for (const child of running) child.kill('SIGKILL'); });

export function spawnLogged(name: string, dir: string, command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): LoggedProcess {
  const child = spawn(command, args, { cwd: options.cwd ?? dir, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const file = createWriteStream(join(dir, `${name}.log`));
  const lines: LoggedLine[] = [];
  const waiters = new Set<() => void>();
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    running.delete(child);
    exitCode = code;
    file.end();
    resolve(code);
    for (const wake of waiters) wake();
  }));
  let partial = '';
  const onData = (data: Buffer) => {
    file.write(data);
    const text = partial + data.toString();
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    const atMs = Date.now();
    for (const line of parts) lines.push({ atMs, text: line });
    for (const wake of waiters) wake();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  return {
    name, child, lines, exited,
    waitFor(pattern, timeoutMs, fromIndex = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.slice(fromIndex).find((l) => pattern.test(l.text));
          if (found) return done(() => resolve(found));
          if (exitCode !== undefined) return done(() => reject(new Error(`${name} exited (${exitCode}) before printing ${pattern}; see ${name}.log`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms; see ${name}.log`))), timeoutMs);
        const done = (then: () => void) => { clearTimeout(timer); waiters.delete(check); then(); };
        waiters.add(check);
        check();
      });
    },
    signal(signal) { if (exitCode === undefined) child.kill(signal); },
    async stop() {
      if (exitCode === undefined) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A UDP port free on loopback now, with the one above it free too (for an RTP-style pair or a neighbour). */
export async function freeUdpPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 30000 + Math.floor(Math.random() * 9000);
    const free = await new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => { socket.close(); resolve(false); });
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free UDP port on 127.0.0.1');
}
