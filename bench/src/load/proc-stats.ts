// CPU and memory of a process as the kernel counts them (/proc/<pid>/stat and status), so the edge is measured
// from outside, with nothing added to it; and the machine's CPU (/proc/stat), to show who else was busy.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { clockMs } from './shared.ts';

let ticksPerSecond: number | null = null;
function clockTicks(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export interface CpuSample {
  atMs: number;
  /** user + system CPU seconds so far. */
  cpuS: number;
}

/** CPU seconds a process has used (user + system, all its threads). */
export function sampleCpu(pid: number): CpuSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: the fields after it start at the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { atMs: clockMs(), cpuS: (Number(fields[11]) + Number(fields[12])) / clockTicks() };
}

/** Percent of one core used between two samples (100 = one core busy all the time). */
export const cpuPercent = (from: CpuSample, to: CpuSample) => (100 * (to.cpuS - from.cpuS)) / Math.max(1e-9, (to.atMs - from.atMs) / 1000);

export function residentMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** Busy and total jiffies of the whole machine (every core). */
export function sampleMachine(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = line[3] + (line[4] ?? 0);
  const total = line.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Sums CPU over several processes (the generator's workers), tolerating one that already exited. */
export function sampleCpuOf(pids: number[]): CpuSample {
  let cpuS = 0;
  for (const pid of pids) {
    try { cpuS += sampleCpu(pid).cpuS; } catch { /* exited */ }
  }
  return { atMs: clockMs(), cpuS };
}
