import { describe, expect, it } from 'vitest';
import { MAX_HEAP_GROWTH_PERCENT, setHeapGrowth } from '../src/util/heap-growth.ts';

describe('setHeapGrowth', () => {
  it.each([-1, 1.5, MAX_HEAP_GROWTH_PERCENT + 1, Number.NaN, Number.POSITIVE_INFINITY])('refuses %s with an error naming the setting', (percent) => {
    expect(() => setHeapGrowth(percent)).toThrow(/INVORTO_HEAP_GROWTH_PERCENT/);
  });

  it('takes 0 (V8 decides) and whole percents up to the maximum', () => {
    // The flag is process-wide: end on the edge's default, so test files that share this worker see what the edge runs.
    for (const percent of [0, MAX_HEAP_GROWTH_PERCENT, 100]) expect(() => setHeapGrowth(percent)).not.toThrow();
  });
});
