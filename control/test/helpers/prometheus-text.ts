// Reads Prometheus text exposition as a test sees it: samples with their labels, summed over those not asked about.
export interface Sample { name: string; labels: Record<string, string>; value: number }

export class Scrape {
  readonly samples: Sample[];

  constructor(readonly text: string) {
    this.samples = text.split('\n').filter((line) => line && !line.startsWith('#')).map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
      return { name: match[1], labels, value: Number(match[3]) };
    });
  }

  /** The sum of the samples of `name` that carry `labels` (and any others); undefined when there is none. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const hits = this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    return hits.length ? hits.reduce((sum, s) => sum + s.value, 0) : undefined;
  }

  /** The values label `label` takes on the samples of `name`. */
  labelValues(name: string, label: string): string[] {
    return [...new Set(this.samples.filter((s) => s.name === name).map((s) => s.labels[label]))];
  }
}
