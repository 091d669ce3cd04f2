// A Prometheus histogram for values observed on every 20 ms frame of every call (thousands a second): observe() is a
// bucket search and three additions, where prom-client's Histogram builds a closure and a label object per call,
// garbage the collector then has to chase at exactly the rate frames arrive. It has no labels. It registers with a
// prom-client Registry and renders (and aggregates across workers) exactly as a prom-client Histogram does.
import type { Registry } from 'prom-client';

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
}

export class FrameHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #bounds: Float64Array;
  /** Observations per bucket (not cumulative); the last is above every bound. */
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;

  constructor(readonly name: string, readonly help: string, buckets: readonly number[], registers: Registry[]) {
    this.#bounds = Float64Array.from([...buckets].sort((a, b) => a - b));
    this.#counts = new Float64Array(this.#bounds.length + 1);
    for (const registry of registers) registry.registerMetric(this as never);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`${this.name}: value is not a valid number: ${value}`);
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    this.#counts[i]++;
    this.#sum += value;
    this.#count++;
  }

  reset(): void {
    this.#counts.fill(0);
    this.#sum = 0;
    this.#count = 0;
  }

  /** The shape prom-client's Registry renders: cumulative buckets with `le`, then `_sum` and `_count`. */
  async get(): Promise<{ name: string; help: string; type: string; values: MetricValue[]; aggregator: string }> {
    const values: MetricValue[] = [];
    let cumulative = 0;
    for (let i = 0; i < this.#bounds.length; i++) {
      cumulative += this.#counts[i];
      values.push({ value: cumulative, labels: { le: this.#bounds[i] }, metricName: `${this.name}_bucket` });
    }
    values.push({ value: cumulative + this.#counts[this.#bounds.length], labels: { le: '+Inf' }, metricName: `${this.name}_bucket` });
    values.push({ value: this.#sum, labels: {}, metricName: `${this.name}_sum` });
    values.push({ value: this.#count, labels: {}, metricName: `${this.name}_count` });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
