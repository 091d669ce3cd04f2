// The one place that constructs Deepgram SDK clients.
import { DeepgramClient } from '@deepgram/sdk';

export interface DeepgramConfig {
  apiKey: string;
  /** Another endpoint (an emulator, a proxy); REST and WebSocket both follow it. */
  baseUrl?: string;
}

export function deepgramClient(config: DeepgramConfig): DeepgramClient {
  return new DeepgramClient({ apiKey: config.apiKey, ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}) });
}

/** Waits for a socket to open, or fails with a message that names Deepgram and what to check. */
export async function openSocket(connection: { connect(): unknown; waitForOpen(): Promise<unknown> }, what: string, signal: AbortSignal, timeoutMs = 3000): Promise<void> {
  connection.connect();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      connection.waitForOpen(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Deepgram ${what} did not open within ${timeoutMs} ms: check DEEPGRAM_API_KEY and DEEPGRAM_BASE_URL`)), timeoutMs);
        signal.addEventListener('abort', () => reject(new Error(`Deepgram ${what}: call ended while connecting`)), { once: true });
      }),
    ]);
  } catch (error) {
    const message = (error as Error).message;
    if (/\b401\b/.test(message)) throw new Error(`Deepgram rejected the API key (401) for ${what}: set DEEPGRAM_API_KEY`);
    if (/\b(403|402)\b/.test(message)) throw new Error(`Deepgram refused ${what} (${message}): check the key's project and balance`);
    throw new Error(`Deepgram ${what} failed to connect: ${message}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves when the socket closes, or after `timeoutMs`: for graceful shutdowns that let the service answer. */
export function closed(connection: { on(event: 'close', callback: () => void): void }, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    connection.on('close', () => { clearTimeout(timer); resolve(); });
  });
}

/** What a socket that failed to send reports (as an error event, never thrown into the call). */
export const sendFailed = (what: string, error: unknown): Error => new Error(`Deepgram ${what} send failed: ${(error as Error).message}`);

/** Sends through the SDK; a socket that fails to send reports an error event instead of throwing into the call. */
export function trySend(action: () => void, what: string, onError: (error: Error) => void): void {
  try {
    action();
  } catch (error) {
    onError(sendFailed(what, error));
  }
}
