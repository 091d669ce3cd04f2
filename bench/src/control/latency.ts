// Request latency, one request at a time: p50 and p99 of N timed runs after a warm-up.
export interface Latency { n: number; p50Ms: number; p99Ms: number; meanMs: number }

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export async function timeRuns(runs: number, warmup: number, once: (i: number) => Promise<void>, onProgress?: (done: number, total: number) => void): Promise<Latency> {
  for (let i = 0; i < warmup; i++) await once(i);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const startedMs = performance.now();
    await once(i);
    samples.push(performance.now() - startedMs);
    if (onProgress && (i % 25 === 24 || i === runs - 1)) onProgress(i + 1, runs);
  }
  samples.sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return { n: runs, p50Ms: round(percentile(samples, 50)), p99Ms: round(percentile(samples, 99)), meanMs: round(samples.reduce((a, b) => a + b, 0) / runs) };
}

/** GET as JSON; a non-2xx answer is an error naming the path (a benchmark must not time error pages). */
export async function getJson(url: string, headers: Record<string, string>): Promise<any> {
  const response = await fetch(url, { headers });
  const body = await response.json();
  if (!response.ok) throw new Error(`GET ${url.replace(/^https?:\/\/[^/]+/, '')} answered ${response.status}: ${JSON.stringify(body).slice(0, 200)}`);
  return body;
}
