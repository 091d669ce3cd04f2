// Running sipp (Debian sip-tester) from a test, and reading its final statistics.
import { spawn, spawnSync } from 'node:child_process';

export const hasSipp = spawnSync('sh', ['-c', 'command -v sipp']).status === 0;

/** Runs sipp to its end, or stops it at `deadlineMs` (SIGINT: it prints its statistics; SIGKILL 3 s later). */
export function runSipp(args: string[], cwd: string, deadlineMs = 100_000): Promise<{ status: number | null; out: string; stopped: boolean }> {
  // Asynchronously: the edge under test runs in this process, so a blocking spawn would stop it answering.
  return new Promise((resolve) => {
    const child = spawn('sipp', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stopped = false;
    const stop = setTimeout(() => {
      stopped = true;
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    }, deadlineMs);
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('close', (status) => { clearTimeout(stop); resolve({ status, out, stopped }); });
  });
}

/** A counter from sipp's final statistics screen ("Successful call | 0 | 100"): the cumulative column. */
export function sippCount(out: string, name: string): number {
  const rows = [...out.matchAll(new RegExp(`${name}\\s*\\|\\s*(\\d+)\\s*\\|\\s*(\\d+)`, 'g'))];
  return rows.length ? Number(rows.at(-1)![2]) : NaN;
}

/** A local port for sipp's SIP socket, away from the edge's RTP range. */
export const sippPort = () => 35000 + Math.floor(Math.random() * 5000);
