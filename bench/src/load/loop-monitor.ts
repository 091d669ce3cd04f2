// Inside an edge process under load: how its event loop fares (lag, utilization) and what garbage collection costs
// it, per window, and where its memory is (JS heap or buffers); the bench asks with a "stats" message and each answer starts a new window.
import { PerformanceObserver, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { report } from './shared.ts';

/** The monitor samples every 10 ms. */
const RESOLUTION_MS = 10;

export function answerLoopStats(): void {
  const lag = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  lag.enable();
  let elu = performance.eventLoopUtilization();
  let gc = { count: 0, totalMs: 0, maxMs: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count++;
      gc.totalMs += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  process.on('message', (command: { type?: string; id?: number }) => {
    if (command?.type !== 'stats') return;
    const window = performance.eventLoopUtilization(elu);
    elu = performance.eventLoopUtilization();
    // The histogram holds each timer interval whole: the lag is what exceeds the resolution.
    const lagMs = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
    const memory = process.memoryUsage();
    const mb = (bytes: number) => bytes / 1024 / 1024;
    report({
      type: 'stats', id: command.id ?? 0, lagP50Ms: lagMs(lag.percentile(50)), lagP99Ms: lagMs(lag.percentile(99)), lagMaxMs: lagMs(lag.max), utilization: window.utilization, gc,
      memory: { heapUsedMb: mb(memory.heapUsed), heapTotalMb: mb(memory.heapTotal), arrayBuffersMb: mb(memory.arrayBuffers), externalMb: mb(memory.external) },
    });
    lag.reset();
    gc = { count: 0, totalMs: 0, maxMs: 0 };
  });
}
