// Running sipp (Debian sip-tester) from a test, and reading its final statistics.
import { spawn, spawnSync } from 'node:child_process';

export const hasSipp = spawnSync('sh', ['-c', 'command -v sipp']).status === 0;

export function runSipp(args: string[], cwd: string): Promise<{ status: number | null; out: string }> {
  // Asynchronously: the edge under test runs in this process, so a blocking spawn would stop it answering.
  return new Promise((resolve) => {
    const child = spawn('sipp', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('close', (status) => resolve({ status, out }));
  });
}

/** A counter from sipp's final statistics screen ("Successful call | 0 | 100"): the cumulative column. */
export function sippCount(out: string, name: string): number {
  const rows = [...out.matchAll(new RegExp(`${name}\\s*\\|\\s*(\\d+)\\s*\\|\\s*(\\d+)`, 'g'))];
  return rows.length ? Number(rows.at(-1)![2]) : NaN;
}

/** A local port for sipp's SIP socket, away from the edge's RTP range. */
export const sippPort = () => 35000 + Math.floor(Math.random() * 5000);
