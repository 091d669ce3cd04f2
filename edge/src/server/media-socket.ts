// The carrier media WebSockets of one node: each socket's connection state, its messages parsed by its protocol and
// delivered to its call, its outbound writes, and the sweep that ends calls whose carrier went quiet.
// uWS rules kept here: never touch a closed socket, cork late writes, honour send()'s backpressure result.
import { randomUUID } from 'node:crypto';
import { MediaReorderer } from '../transports/reorder.ts';
import { ProtocolError, type CallStart, type CarrierOutput, type MediaStreamProtocol, type OutboundFormatter } from '../transports/types.ts';
import type { Call } from '../runtime/call.ts';
import type { Logger } from '../util/log.ts';
import type { CallHost } from './call-host.ts';
import type { uWS } from './uws.ts';

export interface Connection {
  id: string;
  tenantId: string;
  agentId: string;
  lastMediaMs: number;
  protocol: MediaStreamProtocol;
  closed: boolean;
  started: boolean;
  call: Call | null;
  /** Media that arrived while the agent was being looked up; replayed into the call when it exists. */
  pending: Uint8Array[];
  pendingMarks: string[];
  endReason: string | null;
  /** The call's wire format, from its start message. */
  formatter: OutboundFormatter | null;
  reorderer: MediaReorderer | null;
}

export type MediaWebSocket = uWS.WebSocket<Connection>;

export interface MediaSocketsOptions {
  host: CallHost;
  log: Logger;
  maxMessageBytes: number;
  /** A started call that sends no media for this long is ended. */
  noMediaTimeoutMs?: number;
  /** Unsent bytes a call's socket may hold before its outbound audio waits (a slow carrier cannot grow memory). */
  maxOutboundBufferBytes?: number;
}

const MAX_PENDING_FRAMES = 250;

export class MediaSockets {
  readonly #options: MediaSocketsOptions;
  readonly #host: CallHost;
  readonly #sockets = new Set<MediaWebSocket>();

  constructor(options: MediaSocketsOptions) {
    this.#options = options;
    this.#host = options.host;
  }

  get size(): number {
    return this.#sockets.size;
  }

  static connection(protocol: MediaStreamProtocol, tenantId: string, agentId: string): Connection {
    return {
      id: randomUUID(), tenantId, agentId, lastMediaMs: performance.now(),
      protocol, closed: false, started: false, call: null, pending: [], pendingMarks: [], endReason: null,
      formatter: null, reorderer: protocol.reordersMedia ? new MediaReorderer() : null,
    };
  }

  open(ws: MediaWebSocket): void {
    this.#sockets.add(ws);
  }

  closed(ws: MediaWebSocket, code: number, message: ArrayBuffer): void {
    const connection = ws.getUserData();
    connection.closed = true;
    this.#sockets.delete(ws);
    // uWS drops an oversize message's connection itself (1006 "Received too big message"; 1009 in some versions)
    const text = Buffer.from(message).toString();
    if (code === 1009 || /too big/i.test(text)) this.#reject(connection, `message larger than ${this.#options.maxMessageBytes} bytes`);
    connection.call?.end(connection.endReason ? 'protocol_error' : 'caller_hangup', connection.endReason ?? `socket closed (${code})`);
  }

  /** Closes every socket (the calls have been ended first, with their final events). */
  endAll(reason: string): void {
    for (const ws of [...this.#sockets]) ws.end(1001, reason);
  }

  message(ws: MediaWebSocket, message: ArrayBuffer, isBinary: boolean): void {
    const connection = ws.getUserData();
    let inbound;
    try {
      inbound = connection.protocol.parse(message, isBinary, connection.started);
    } catch (error) {
      const reason = error instanceof ProtocolError ? error.reason : `could not parse message: ${(error as Error).message}`;
      this.#reject(connection, reason);
      if (!connection.closed) ws.end(1008, reason.slice(0, 120));
      return;
    }
    switch (inbound.type) {
      case 'start':
        connection.started = true;
        connection.formatter = connection.protocol.outbound(inbound.start);
        void this.#startCall(ws, connection, inbound.start);
        return;
      case 'media': {
        connection.lastMediaMs = performance.now();
        const convert = connection.formatter?.inboundAudio;
        const payload = convert ? convert(inbound.payload) : inbound.payload;
        if (connection.reorderer && inbound.sequence !== null) connection.reorderer.push(inbound.sequence, payload, (p) => this.#deliver(connection, p));
        else this.#deliver(connection, payload);
        return;
      }
      case 'ignore':
        return;
      case 'mark':
        if (connection.call) connection.call.onMark(inbound.name);
        else connection.pendingMarks.push(inbound.name);
        return;
      case 'dtmf':
        connection.call?.onDtmf(inbound.digit);
        return;
      case 'stop':
        connection.call?.end('caller_hangup', 'carrier sent stop');
        if (!connection.closed) ws.end(1000, 'stopped');
        return;
      case 'connected':
        return;
    }
  }

  /** Ends the calls whose carrier has sent no media for the timeout (one sweep for all, not a timer per call). */
  endSilentCalls(): void {
    const limitMs = this.#options.noMediaTimeoutMs ?? 10_000;
    const now = performance.now();
    for (const ws of this.#sockets) {
      const connection = ws.getUserData();
      if (!connection.started || connection.closed || now - connection.lastMediaMs < limitMs) continue;
      connection.endReason = `no media for ${Math.round((now - connection.lastMediaMs) / 1000)} s`;
      this.#options.log.warn({ callId: connection.id, reason: connection.endReason }, 'call timed out');
      connection.call?.end('timeout', connection.endReason);
      ws.end(1000, 'no media');
    }
  }

  #deliver(connection: Connection, payload: Uint8Array): void {
    if (connection.call) connection.call.pushAudio(payload);
    else if (connection.pending.length < MAX_PENDING_FRAMES) connection.pending.push(payload);
    else this.#host.report('audioDropped', { queue: 'pending', bytes: payload.length });
  }

  #reject(connection: Connection, reason: string): void {
    if (connection.endReason) return;
    connection.endReason = reason;
    this.#host.report('protocolError', { transport: connection.protocol.name });
    this.#options.log.warn({ callId: connection.id, transport: connection.protocol.name, reason }, 'media socket rejected');
  }

  async #startCall(ws: MediaWebSocket, connection: Connection, start: CallStart): Promise<void> {
    // The signed token, not the carrier's stream parameters, says whose call this is.
    connection.lastMediaMs = performance.now();
    let refusal = '';
    const call = await this.#host.startCall({
      callId: connection.id, transport: connection.protocol.name, start, tenantId: connection.tenantId, agentId: connection.agentId,
      output: this.#output(ws, connection, start), abandoned: () => connection.closed,
      refused: (reason) => { refusal = reason; },
    });
    if (!call) {
      // 1008 (policy): the tenant's budget refused the call, and the reason says so.
      if (!connection.closed) ws.end(refusal ? 1008 : 1011, (refusal || 'agent unavailable').slice(0, 120));
      return;
    }
    connection.call = call;
    for (const payload of connection.pending) call.pushAudio(payload);
    for (const name of connection.pendingMarks) call.onMark(name);
    connection.pending = [];
    connection.pendingMarks = [];
  }

  #output(ws: MediaWebSocket, connection: Connection, start: CallStart): CarrierOutput {
    const formatter = connection.formatter!;
    const isBinary = (data: string | Uint8Array) => typeof data !== 'string';
    const send = (data: string | Uint8Array): boolean => {
      if (connection.closed) return false;
      let status = 0;
      ws.cork(() => { status = ws.send(data, isBinary(data)); }); // late writes (from the pacer) must be corked
      return status === 1;
    };
    const maxBuffered = this.#options.maxOutboundBufferBytes ?? 256 * 1024;
    return {
      format: start.format,
      chunkBytes: formatter.chunkBytes,
      writable: () => !connection.closed && ws.getBufferedAmount() < maxBuffered,
      sendAudio: (frame) => send(formatter.audio(frame)),
      sendMark: (name) => { send(formatter.mark(name)); },
      clear: () => { send(formatter.clear()); },
      hangup: (reason) => { if (!connection.closed) ws.end(1000, reason.slice(0, 120)); },
    };
  }
}
