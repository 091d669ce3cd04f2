// Live messages over a WebSocket to control's internal API (no Redis): control says which calls to watch, the edge
// answers with their live messages. The socket reconnects on its own; while it is down nothing is watched, and a
// call never waits for it.
import WebSocket from 'ws';
import type { Logger } from '../util/log.ts';
import type { LiveChannel, LiveChannelHooks, LiveChannelStats } from './live-channel.ts';
import type { LiveMessage } from './live-messages.ts';

/** More than this queued on the socket and live messages are dropped: a slow control must not grow the edge's memory. */
const MAX_BUFFERED_BYTES = 1 << 20;
const RECONNECT_MAX_MS = 5000;

export interface ControlLiveOptions {
  controlUrl: string;
  internalToken: string;
  edgeId: string;
  log: Logger;
}

export class ControlLiveChannel implements LiveChannel {
  readonly kind = 'control';
  readonly stats: LiveChannelStats = { published: 0, dropped: 0 };
  readonly #options: ControlLiveOptions;
  readonly #watched = new Set<string>();
  #hooks: LiveChannelHooks | null = null;
  #socket: WebSocket | null = null;
  #retryMs = 250;
  #retry: NodeJS.Timeout | null = null;
  #closed = false;
  #downLogged = false;

  constructor(options: ControlLiveOptions) {
    this.#options = options;
  }

  start(hooks: LiveChannelHooks): void {
    this.#hooks = hooks;
    this.#connect();
  }

  watched(callId: string): boolean {
    return this.#watched.has(callId);
  }

  publish(message: LiveMessage): void {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || socket.bufferedAmount > MAX_BUFFERED_BYTES) { this.stats.dropped++; return; }
    this.stats.published++;
    socket.send(JSON.stringify(message));
  }

  #connect(): void {
    const { controlUrl, internalToken, edgeId } = this.#options;
    const url = `${controlUrl.replace(/^http/, 'ws').replace(/\/$/, '')}/internal/live`;
    const socket = new WebSocket(url, { headers: { 'x-invorto-internal': internalToken, 'x-invorto-edge': edgeId } });
    this.#socket = socket;
    socket.on('open', () => { this.#retryMs = 250; this.#downLogged = false; });
    socket.on('message', (data) => this.#onCommand(String(data)));
    socket.on('error', (error) => {
      if (this.#downLogged) return;
      this.#downLogged = true;
      this.#options.log.warn({ err: error.message }, 'live monitor: control unreachable, watched calls are not streamed (calls go on; retrying)');
    });
    socket.on('close', () => {
      if (this.#socket === socket) this.#socket = null;
      this.#unwatchAll();
      if (this.#closed) return;
      this.#retry = setTimeout(() => this.#connect(), this.#retryMs);
      this.#retry.unref();
      this.#retryMs = Math.min(RECONNECT_MAX_MS, this.#retryMs * 2);
    });
  }

  #onCommand(text: string): void {
    let command: { type?: string; callId?: string };
    try { command = JSON.parse(text); } catch { return; }
    const callId = command.callId;
    if (typeof callId !== 'string') return;
    if (command.type === 'watch' && !this.#watched.has(callId)) {
      this.#watched.add(callId);
      this.#hooks?.watchChanged(callId, true);
    } else if (command.type === 'unwatch' && this.#watched.delete(callId)) {
      this.#hooks?.watchChanged(callId, false);
    }
  }

  #unwatchAll(): void {
    for (const callId of this.#watched) this.#hooks?.watchChanged(callId, false);
    this.#watched.clear();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    const socket = this.#socket;
    this.#socket = null;
    this.#unwatchAll();
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.terminate();
      await closed;
    }
  }
}
