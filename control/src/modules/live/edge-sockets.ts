// Edges without Redis keep a WebSocket to the internal API: every watch and unwatch goes to each of them (an edge
// without the call ignores it), and what they send comes back through the hub. An edge that connects late (or after
// a control restart) is told every call watched now.
import type { WebSocket } from 'ws';
import type { LiveHub, LiveSource } from './live-hub.ts';

export class EdgeSockets implements LiveSource {
  readonly #hub: LiveHub;
  readonly #sockets = new Set<WebSocket>();

  constructor(hub: LiveHub) {
    this.#hub = hub;
  }

  get connected(): number {
    return this.#sockets.size;
  }

  add(socket: WebSocket): void {
    this.#sockets.add(socket);
    for (const [callId] of this.#hub.watched()) socket.send(JSON.stringify({ type: 'watch', callId }));
    socket.on('message', (data) => {
      let message: Record<string, unknown>;
      try { message = JSON.parse(String(data)); } catch { return; }
      if (message && typeof message === 'object') this.#hub.deliver(message);
    });
    socket.on('close', () => this.#sockets.delete(socket));
  }

  watch(callId: string): void {
    this.#broadcast(JSON.stringify({ type: 'watch', callId }));
  }

  unwatch(callId: string): void {
    this.#broadcast(JSON.stringify({ type: 'unwatch', callId }));
  }

  #broadcast(text: string): void {
    for (const socket of this.#sockets) socket.send(text);
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.terminate();
    this.#sockets.clear();
  }
}
