// V8 lets the old generation grow only about 1.2x past the data that survived the last full collection before it
// runs another, and each full collection stops the event loop (7-15 ms on an edge with 250 calls): every call's audio
// waits. Under load that meant one every 2 s (profiled in docs/load.md); a larger step makes them several times rarer
// for some memory (the heap may grow to (1 + percent/100) x its live size). It is a process-wide V8 setting.
import { setFlagsFromString } from 'node:v8';

export const MAX_HEAP_GROWTH_PERCENT = 400;

/** Sets how far the heap may grow past live data before a full collection; 0 leaves V8's own heuristic. */
export function setHeapGrowth(percent: number): void {
  if (!Number.isInteger(percent) || percent < 0 || percent > MAX_HEAP_GROWTH_PERCENT) {
    throw new Error(`heap growth must be a whole percent from 0 (V8's default) to ${MAX_HEAP_GROWTH_PERCENT} (got ${percent}): set INVORTO_HEAP_GROWTH_PERCENT or --heap-growth-percent`);
  }
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
