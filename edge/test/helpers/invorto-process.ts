// Runs the `invorto` CLI as a child process, as an operator would, collecting what it prints.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../../..');

export interface InvortoProcess {
  child: ChildProcessWithoutNullStreams;
  output(): string;
  /** What it printed on stdout alone. */
  stdout(): string;
  /** Resolves with the exit code when it exits by itself. */
  exited: Promise<number | null>;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Kills it if it is still running (for `finally` blocks). */
  kill(): void;
}

export function spawnInvorto(args: string[], env: Record<string, string> = {}): InvortoProcess {
  const child = spawn(process.execPath, [join(repoRoot, 'bin/invorto.js'), ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let stdout = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.stdout.on('data', (d) => { output += d; stdout += d; });
  child.stderr.on('data', (d) => { output += d; });
  return {
    child,
    output: () => output,
    stdout: () => stdout,
    exited,
    stop(signal = 'SIGTERM') {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill(signal);
      return exited;
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
