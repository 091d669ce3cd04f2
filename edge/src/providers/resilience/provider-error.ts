// A provider failure the resilience wrappers can reason about: the HTTP status when there was one, how long the
// provider asked us to wait (429 Retry-After), and whether trying again can help.

export class ProviderError extends Error {
  constructor(
    message: string,
    readonly details: { provider: string; status?: number; retryAfterS?: number; retryable: boolean },
  ) {
    super(message);
  }
}

/** 408, 409, 429 and 5xx, and failures with no status (network, reset, timeout) are worth another try. */
export function isRetryableStatus(status: number | undefined): boolean {
  return status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
}
