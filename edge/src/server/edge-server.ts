// The edge node: uWebSockets.js serving carrier media WebSockets, /health and /metrics.
// uWS rules kept here only: copy incoming data before any await, onAborted on deferred responses, cork late writes,
// never touch a closed socket, honour send()'s backpressure result.
import { randomUUID } from 'node:crypto';
import type { AgentSource } from '../agents/agent-source.ts';
import { EdgeMetrics } from '../metrics/edge-metrics.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import { Call } from '../runtime/call.ts';
import { Pacer } from '../runtime/pacer.ts';
import { recordTimeline, type TimelineSink } from '../timeline/call-timeline.ts';
import { twilioProtocol } from '../transports/twilio.ts';
import { ProtocolError, type CallStart, type CarrierOutput, type MediaStreamProtocol } from '../transports/types.ts';
import type { Logger } from '../util/log.ts';
import { assertNativeUws, uWS } from './uws.ts';

const protocols: Record<string, MediaStreamProtocol> = { twilio: twilioProtocol };

export interface EdgeServerOptions {
  host: string;
  port: number;
  agents: AgentSource;
  providers: ProviderRegistry;
  timeline: TimelineSink;
  log: Logger;
  /** Largest WebSocket message accepted; a bigger one closes that call (code 1009). */
  maxMessageBytes?: number;
  /** Default tenant for carriers that do not name one in their stream parameters. */
  defaultTenantId?: string;
  defaultAgentId?: string;
}

interface Connection {
  id: string;
  protocol: MediaStreamProtocol;
  closed: boolean;
  started: boolean;
  streamId: string;
  call: Call | null;
  /** Media that arrived while the agent was being looked up; replayed into the call when it exists. */
  pending: Uint8Array[];
  pendingMarks: string[];
  endReason: string | null;
}

const MAX_PENDING_FRAMES = 250;

export class EdgeServer {
  readonly metrics = new EdgeMetrics();
  readonly pacer = new Pacer();
  readonly #options: EdgeServerOptions;
  readonly #app: uWS.TemplatedApp;
  readonly #sockets = new Set<uWS.WebSocket<Connection>>();
  readonly #calls = new Set<Call>();
  #listenSocket: uWS.us_listen_socket | null = null;
  #port = 0;

  constructor(options: EdgeServerOptions) {
    assertNativeUws();
    this.#options = options;
    this.#app = uWS.App();
    this.#routes();
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `http://${this.#options.host}:${this.#port}`;
  }

  get activeCalls(): number {
    return this.#calls.size;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#app.listen(this.#options.host, this.#options.port, (socket) => {
        if (!socket) {
          reject(new Error(`edge could not listen on ${this.#options.host}:${this.#options.port} (port in use? set INVORTO_EDGE_PORT or --edge-port)`));
          return;
        }
        this.#listenSocket = socket;
        this.#port = uWS.us_socket_local_port(socket);
        resolve();
      });
    });
  }

  /** Stops listening and ends every call with a final event. */
  async close(): Promise<void> {
    if (this.#listenSocket) uWS.us_listen_socket_close(this.#listenSocket);
    this.#listenSocket = null;
    for (const call of [...this.#calls]) call.end('drain', 'edge shutting down');
    for (const ws of [...this.#sockets]) ws.end(1001, 'edge shutting down');
    this.pacer.stop();
  }

  #routes(): void {
    const maxMessageBytes = this.#options.maxMessageBytes ?? 64 * 1024;
    this.#app.get('/health', (res) => {
      res.cork(() => res.writeHeader('content-type', 'application/json').end(JSON.stringify({ status: 'ok', service: 'edge', activeCalls: this.#calls.size })));
    });
    this.#app.get('/metrics', (res) => {
      let aborted = false;
      res.onAborted(() => { aborted = true; });
      this.metrics.registry.metrics().then((text) => {
        if (!aborted) res.cork(() => res.writeHeader('content-type', this.metrics.registry.contentType).end(text));
      }, () => {
        if (!aborted) res.cork(() => res.writeStatus('500 Internal Server Error').end('metrics failed'));
      });
    });
    this.#app.ws<Connection>('/media/:protocol', {
      compression: uWS.DISABLED,
      maxPayloadLength: maxMessageBytes,
      maxBackpressure: 1024 * 1024,
      idleTimeout: 32,
      upgrade: (res, req, context) => {
        const name = req.getParameter(0) ?? '';
        const protocol = protocols[name];
        if (!protocol) {
          res.writeStatus('404 Not Found').end(`unknown media protocol "${name}" (have: ${Object.keys(protocols).join(', ')})`);
          return;
        }
        const connection: Connection = { id: randomUUID(), protocol, closed: false, started: false, streamId: '', call: null, pending: [], pendingMarks: [], endReason: null };
        res.upgrade(connection, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
      },
      open: (ws) => { this.#sockets.add(ws); },
      message: (ws, message, isBinary) => this.#onMessage(ws, message, isBinary),
      close: (ws, code, message) => {
        const connection = ws.getUserData();
        connection.closed = true;
        this.#sockets.delete(ws);
        // uWS drops an oversize message's connection itself (1006 "Received too big message"; 1009 in some versions)
        const text = Buffer.from(message).toString();
        if (code === 1009 || /too big/i.test(text)) this.#reject(connection, `message larger than ${maxMessageBytes} bytes`);
        connection.call?.end(connection.endReason ? 'protocol_error' : 'caller_hangup', connection.endReason ?? `socket closed (${code})`);
      },
    });
    this.#app.any('/*', (res) => { res.writeStatus('404 Not Found').end('not found'); });
  }

  #onMessage(ws: uWS.WebSocket<Connection>, message: ArrayBuffer, isBinary: boolean): void {
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
        connection.streamId = inbound.start.streamId;
        void this.#startCall(ws, connection, inbound.start);
        return;
      case 'media':
        if (connection.call) connection.call.pushAudio(inbound.payload);
        else if (connection.pending.length < MAX_PENDING_FRAMES) connection.pending.push(inbound.payload);
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

  #reject(connection: Connection, reason: string): void {
    if (connection.endReason) return;
    connection.endReason = reason;
    this.metrics.protocolErrors.inc({ transport: connection.protocol.name });
    this.#options.log.warn({ callId: connection.id, transport: connection.protocol.name, reason }, 'media socket rejected');
  }

  async #startCall(ws: uWS.WebSocket<Connection>, connection: Connection, start: CallStart): Promise<void> {
    const log = this.#options.log.child({ callId: connection.id });
    const tenantId = start.parameters.tenantId ?? this.#options.defaultTenantId ?? 'default';
    const agentId = start.parameters.agentId ?? this.#options.defaultAgentId ?? 'demo';
    let call: Call;
    try {
      const agent = await this.#options.agents.get(tenantId, agentId);
      const providers = await this.#options.providers.forAgent(agent);
      if (connection.closed) return;
      call = new Call({
        callId: connection.id,
        transport: connection.protocol.name,
        start,
        agent,
        providers,
        output: this.#output(ws, connection, start),
        pacer: this.pacer,
        log,
      });
    } catch (error) {
      log.error({ err: (error as Error).message, tenantId, agentId }, 'call could not start');
      if (!connection.closed) ws.end(1011, 'agent unavailable');
      return;
    }
    this.#calls.add(call);
    this.metrics.observe(call);
    recordTimeline(call, this.#options.timeline, { tenantId, agentId });
    call.on('ended', ({ reason, detail }) => {
      this.#calls.delete(call);
      log.info({ reason, detail }, 'call ended');
    });
    connection.call = call;
    log.info({ transport: connection.protocol.name, carrierCallId: start.carrierCallId, agentId }, 'call started');
    const begun = call.begin().catch((error: Error) => {
      log.error({ err: error.message }, 'call failed to begin');
      call.end('error', error.message);
    });
    for (const payload of connection.pending) call.pushAudio(payload);
    for (const name of connection.pendingMarks) call.onMark(name);
    connection.pending = [];
    connection.pendingMarks = [];
    await begun;
  }

  #output(ws: uWS.WebSocket<Connection>, connection: Connection, start: CallStart): CarrierOutput {
    const { protocol } = connection;
    const isBinary = (data: string | Uint8Array) => typeof data !== 'string';
    const send = (data: string | Uint8Array): boolean => {
      if (connection.closed) return false;
      let status = 0;
      ws.cork(() => { status = ws.send(data, isBinary(data)); }); // late writes (from the pacer) must be corked
      return status === 1;
    };
    return {
      format: start.format,
      sendAudio: (frame) => send(protocol.formatAudio(start.streamId, frame)),
      sendMark: (name) => { send(protocol.formatMark(start.streamId, name)); },
      clear: () => { send(protocol.formatClear(start.streamId)); },
      hangup: (reason) => { if (!connection.closed) ws.end(1000, reason.slice(0, 120)); },
    };
  }
}
