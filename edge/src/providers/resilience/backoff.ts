// How long to wait before retry number `attempt` (1-based): what the provider asked for (Retry-After), else
// exponential backoff with full jitter, so that many calls retrying at once do not arrive together.

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export function retryDelayMs(attempt: number, options: BackoffOptions, retryAfterS?: number, random: () => number = Math.random): number {
  if (retryAfterS !== undefined && Number.isFinite(retryAfterS) && retryAfterS >= 0) return Math.min(retryAfterS * 1000, options.maxMs);
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** (attempt - 1));
  return Math.round(random() * ceiling);
}

/** Sleeps, or rejects as soon as `signal` aborts (a hung-up call does not wait out a backoff). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('aborted'));
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(timer); reject(new Error('aborted')); };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
