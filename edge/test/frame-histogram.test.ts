// The per-frame histogram must be indistinguishable from prom-client's on /metrics and when workers are aggregated.
import { AggregatorRegistry, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FrameHistogram } from '../src/metrics/frame-histogram.ts';

const BUCKETS = [5e-6, 10e-6, 25e-6, 1e-3, 10e-3];
const values = [0, 3e-6, 5e-6, 5.000001e-6, 9e-6, 2e-5, 0.0009, 0.001, 0.5, 12, 7e-6, 7e-6];

function pair() {
  const ours = new Registry();
  const theirs = new Registry();
  const fast = new FrameHistogram('x_seconds', 'per frame', BUCKETS, [ours]);
  const reference = new Histogram({ name: 'x_seconds', help: 'per frame', buckets: BUCKETS, registers: [theirs] });
  return { ours, theirs, fast, reference };
}

describe('FrameHistogram', () => {
  it('renders exactly what a prom-client Histogram renders for the same observations', async () => {
    const { ours, theirs, fast, reference } = pair();
    expect(await ours.metrics()).toBe(await theirs.metrics());
    for (const v of values) { fast.observe(v); reference.observe(v); }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toContain('x_seconds_bucket{le="0.00001"} 7');
    // After a reset prom-client drops an unlabelled histogram's series until the next observation; ours goes back
    // to zero, as it started, so a dashboard's series does not vanish.
    ours.resetMetrics();
    expect(await ours.metrics()).toBe(await pair().ours.metrics());
  });

  it('sums across workers as prom-client aggregates a Histogram', async () => {
    const a = pair();
    const b = pair();
    values.forEach((v, i) => { (i % 2 ? a : b).fast.observe(v); (i % 2 ? a : b).reference.observe(v); });
    const ours = AggregatorRegistry.aggregate([await a.ours.getMetricsAsJSON(), await b.ours.getMetricsAsJSON()]);
    const theirs = AggregatorRegistry.aggregate([await a.theirs.getMetricsAsJSON(), await b.theirs.getMetricsAsJSON()]);
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('refuses a value that is not a finite number, as prom-client does', () => {
    const { fast } = pair();
    expect(() => fast.observe(Number.NaN)).toThrow(/not a valid number/);
  });
});
