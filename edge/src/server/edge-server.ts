// The edge node: uWebSockets.js serving carrier media WebSockets, /health and /metrics.
// uWS rules kept here only: copy incoming data before any await, onAborted on deferred responses, cork late writes,
// never touch a closed socket, honour send()'s backpressure result.
import { randomUUID } from 'node:crypto';
import type { AgentSource } from '../agents/agent-source.ts';
import { EdgeMetrics } from '../metrics/edge-metrics.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import { Call } from '../runtime/call.ts';
import { languagesReady } from '../runtime/call-language.ts';
import { Pacer } from '../runtime/pacer.ts';
import { recordTimeline } from '../timeline/call-timeline.ts';
import type { ObservableSink } from '@invorto/timeline/open-timeline.ts';
import { exotelProtocol } from '../transports/exotel.ts';
import { nativeProtocol } from '../transports/native.ts';
import { plivoProtocol } from '../transports/plivo.ts';
import { MediaReorderer } from '../transports/reorder.ts';
import { telnyxProtocol } from '../transports/telnyx.ts';
import { twilioProtocol } from '../transports/twilio.ts';
import { ProtocolError, type CallStart, type CarrierOutput, type MediaStreamProtocol, type OutboundFormatter } from '../transports/types.ts';
import type { Logger } from '../util/log.ts';
import type { HistoryStore } from '../runtime/history-store.ts';
import type { ChatMessage } from '../providers/types.ts';
import { registerHistoryRoute } from './history-route.ts';
import { verifyMediaToken } from '../auth/media-token.ts';
import { validTwilioSignature } from '../auth/twilio-signature.ts';
import { assertNativeUws, uWS } from './uws.ts';

const protocols: Record<string, MediaStreamProtocol> = {
  twilio: twilioProtocol,
  plivo: plivoProtocol,
  exotel: exotelProtocol,
  telnyx: telnyxProtocol,
  native: nativeProtocol,
};

export interface EdgeServerOptions {
  host: string;
  port: number;
  agents: AgentSource;
  providers: ProviderRegistry;
  /** Where call events go; its publish and spool events feed /metrics. */
  timeline: ObservableSink;
  log: Logger;
  /** Largest WebSocket message accepted; a bigger one closes that call (code 1009). */
  maxMessageBytes?: number;
  /** Secret that media tokens are signed with (auth/media-token.ts); every media socket must present one. */
  mediaTokenSecret: string;
  /** Calls this node takes at once; the next upgrade is answered 503. */
  maxCalls?: number;
  /** A started call that sends no media for this long is ended. */
  noMediaTimeoutMs?: number;
  /** Unsent bytes a call's socket may hold before its outbound audio waits (a slow carrier cannot grow memory). */
  maxOutboundBufferBytes?: number;
  /**
   * Twilio auth token: when set, Twilio upgrades must carry a valid X-Twilio-Signature over `publicUrl` + the
   * request's path and query (the URL as Twilio saw it, behind any proxy).
   */
  twilioAuthToken?: string;
  publicUrl?: string;
  /** Serves /metrics from elsewhere (a pool aggregating its workers); default: this node's own registry. */
  metricsText?: () => Promise<string>;
  workerIndex?: number;
  /** Keeps each call's conversation (GET /calls/:id/history; a stream parameter `resumeCallId` continues one). */
  history?: HistoryStore;
  /** Guards the history route when set. */
  internalToken?: string;
}

interface Connection {
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
  /** One sweep for every call's no-media timeout, not a timer per call. */
  #sweep: NodeJS.Timeout | null = null;

  constructor(options: EdgeServerOptions) {
    assertNativeUws();
    if (!options.mediaTokenSecret) throw new Error('the edge needs a media token secret: set INVORTO_MEDIA_TOKEN_SECRET');
    this.metrics.watchTimeline(options.timeline);
    this.metrics.calls.maxCalls.set(options.maxCalls ?? 500);
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

  /** Whether another call fits under the node's limit (every transport asks before it accepts one). */
  get full(): boolean {
    return this.#calls.size >= (this.#options.maxCalls ?? 500);
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
        this.#sweep = setInterval(() => this.#endSilentCalls(), 1000);
        this.#sweep.unref();
        resolve();
      });
    });
  }

  /**
   * Graceful drain: stop accepting calls, let the ones in progress finish for up to `limitMs`, then end the rest
   * with a final event. Resolves with how many had to be ended.
   */
  async drain(limitMs: number): Promise<number> {
    this.#stopListening();
    const deadline = Date.now() + limitMs;
    while (this.#calls.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const remaining = [...this.#calls];
    for (const call of remaining) call.end('drain', `edge draining: call still active after ${limitMs} ms`);
    for (const ws of [...this.#sockets]) ws.end(1001, 'edge draining');
    return remaining.length;
  }

  #stopListening(): void {
    if (this.#listenSocket) uWS.us_listen_socket_close(this.#listenSocket);
    this.#listenSocket = null;
  }

  /** Stops listening and ends every call with a final event. */
  async close(): Promise<void> {
    this.#stopListening();
    if (this.#sweep) clearInterval(this.#sweep);
    this.#sweep = null;
    for (const call of [...this.#calls]) call.end('drain', 'edge shutting down');
    for (const ws of [...this.#sockets]) ws.end(1001, 'edge shutting down');
    this.pacer.stop();
    this.metrics.close();
  }

  #routes(): void {
    const maxMessageBytes = this.#options.maxMessageBytes ?? 64 * 1024;
    this.#app.get('/health', (res) => {
      res.cork(() => res.writeHeader('content-type', 'application/json').end(JSON.stringify({ status: 'ok', service: 'edge', worker: this.#options.workerIndex ?? 0, activeCalls: this.#calls.size })));
    });
    this.#app.get('/metrics', (res) => {
      let aborted = false;
      res.onAborted(() => { aborted = true; });
      (this.#options.metricsText ?? (() => this.metrics.registry.metrics()))().then((text) => {
        if (!aborted) res.cork(() => res.writeHeader('content-type', this.metrics.registry.contentType).end(text));
      }, () => {
        if (!aborted) res.cork(() => res.writeStatus('500 Internal Server Error').end('metrics failed'));
      });
    });
    if (this.#options.history) registerHistoryRoute(this.#app, this.#options.history, this.#options.internalToken ?? '');
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
        const token = req.getQuery('token') || req.getHeader('x-invorto-token');
        const apiKey = req.getHeader('x-invorto-api-key') || req.getQuery('api_key') || '';
        const refuse = (status: string, reason: string) => {
          if (status.startsWith('503')) this.metrics.calls.refused.inc({ reason: 'capacity' });
          else if (status.startsWith('401')) this.metrics.calls.refused.inc({ reason: 'auth' });
          else this.metrics.media.protocolError(name);
          this.#options.log.warn({ transport: name, reason }, 'media socket refused');
          res.writeStatus(status).end(reason);
        };
        if (!token && apiKey) {
          // A tenant API key is checked with control, asynchronously: keep what the upgrade needs before awaiting.
          const agentId = req.getQuery('agent') || 'demo';
          const upgrade = { key: req.getHeader('sec-websocket-key'), protocol: req.getHeader('sec-websocket-protocol'), extensions: req.getHeader('sec-websocket-extensions') };
          let aborted = false;
          res.onAborted(() => { aborted = true; });
          void this.#options.agents.tenantForApiKey(apiKey).then((tenantId) => {
            if (aborted) return;
            res.cork(() => {
              if (!tenantId) return refuse('401 Unauthorized', 'unknown API key');
              if (this.#sockets.size >= (this.#options.maxCalls ?? 500) || this.full) return refuse('503 Service Unavailable', 'this edge node is at its call limit; try another');
              this.#accept(res, this.#newConnection(protocol, tenantId, agentId), upgrade, context);
            });
          });
          return;
        }
        const claims = token ? verifyMediaToken(this.#options.mediaTokenSecret, token) : { error: 'no media token (add ?token=… to the media URL) or tenant API key' };
        if ('error' in claims) {
          refuse('401 Unauthorized', claims.error);
          return;
        }
        if (name === 'twilio' && this.#options.twilioAuthToken) {
          const query = req.getQuery();
          const url = `${this.#options.publicUrl ?? `ws://${this.#options.host}:${this.#port}`}${req.getUrl()}${query ? `?${query}` : ''}`;
          if (!validTwilioSignature(this.#options.twilioAuthToken, url, req.getHeader('x-twilio-signature'))) {
            this.metrics.media.protocolError(name);
            this.#options.log.warn({ transport: name, reason: 'bad X-Twilio-Signature' }, 'media socket refused');
            res.writeStatus('403 Forbidden').end('X-Twilio-Signature does not match (check INVORTO_TWILIO_AUTH_TOKEN and INVORTO_PUBLIC_URL)');
            return;
          }
        }
        if (this.#sockets.size >= (this.#options.maxCalls ?? 500) || this.full) {
          this.metrics.calls.refused.inc({ reason: 'capacity' });
          this.#options.log.warn({ transport: name, calls: this.#sockets.size }, 'media socket refused: node full');
          res.writeStatus('503 Service Unavailable').end('this edge node is at its call limit; try another');
          return;
        }
        this.#accept(res, this.#newConnection(protocol, claims.tenantId, claims.agentId), { key: req.getHeader('sec-websocket-key'), protocol: req.getHeader('sec-websocket-protocol'), extensions: req.getHeader('sec-websocket-extensions') }, context);
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

  /**
   * Upgrades to the media socket, telling the carrier the call's id (`x-invorto-call-id`), by which its timeline and
   * record are found. uWS sends headers written before upgrade() only after an explicit 101 status.
   */
  #accept(res: uWS.HttpResponse, connection: Connection, upgrade: { key: string; protocol: string; extensions: string }, context: uWS.us_socket_context_t): void {
    res.writeStatus('101 Switching Protocols').writeHeader('x-invorto-call-id', connection.id);
    res.upgrade(connection, upgrade.key, upgrade.protocol, upgrade.extensions, context);
  }

  #newConnection(protocol: MediaStreamProtocol, tenantId: string, agentId: string): Connection {
    return {
      id: randomUUID(), tenantId, agentId, lastMediaMs: performance.now(),
      protocol, closed: false, started: false, call: null, pending: [], pendingMarks: [], endReason: null,
      formatter: null, reorderer: protocol.reordersMedia ? new MediaReorderer() : null,
    };
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

  #deliver(connection: Connection, payload: Uint8Array): void {
    if (connection.call) connection.call.pushAudio(payload);
    else if (connection.pending.length < MAX_PENDING_FRAMES) connection.pending.push(payload);
    else this.metrics.media.audioDropped.inc({ queue: 'pending' }, payload.length);
  }

  #endSilentCalls(): void {
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

  #reject(connection: Connection, reason: string): void {
    if (connection.endReason) return;
    connection.endReason = reason;
    this.metrics.media.protocolError(connection.protocol.name);
    this.#options.log.warn({ callId: connection.id, transport: connection.protocol.name, reason }, 'media socket rejected');
  }

  /**
   * Starts a call for any transport: looks up the agent, connects its providers, and wires metrics and the
   * timeline. Resolves with the call once it exists (the greeting starts in the background), or null when the
   * call could not start (`abandoned()` true, or the agent lookup failed).
   */
  async startCall(params: { callId: string; transport: string; start: CallStart; tenantId: string; agentId: string; output: CarrierOutput; abandoned?: () => boolean }): Promise<Call | null> {
    const log = this.#options.log.child({ callId: params.callId });
    let call: Call;
    try {
      const agent = await this.#options.agents.get(params.tenantId, params.agentId);
      const providers = await this.#options.providers.forAgent(agent);
      await languagesReady(agent);
      if (params.abandoned?.()) return null;
      const store = this.#options.history;
      const history = store ? { store, tenantId: params.tenantId, resumeFrom: this.#resumable(params.start.parameters.resumeCallId, params.tenantId, log) } : undefined;
      call = new Call({ callId: params.callId, transport: params.transport, start: params.start, agent, providers, output: params.output, pacer: this.pacer, log, history });
    } catch (error) {
      log.error({ err: (error as Error).message, tenantId: params.tenantId, agentId: params.agentId }, 'call could not start');
      return null;
    }
    this.#calls.add(call);
    this.metrics.observe(call);
    recordTimeline(call, this.#options.timeline, { tenantId: params.tenantId, agentId: params.agentId });
    call.on('ended', ({ reason, detail }) => {
      this.#calls.delete(call);
      log.info({ reason, detail }, 'call ended');
    });
    log.info({ transport: params.transport, carrierCallId: params.start.carrierCallId, agentId: params.agentId }, 'call started');
    call.begin().catch((error: Error) => {
      log.error({ err: error.message }, 'call failed to begin');
      call.end('error', error.message);
    });
    return call;
  }

  /** A previous call's conversation to continue, if the carrier asked for one of this tenant's calls. */
  #resumable(callId: string | undefined, tenantId: string, log: Logger): ChatMessage[] | undefined {
    if (!callId || !this.#options.history) return undefined;
    try {
      const record = this.#options.history.load(callId);
      if (record && record.tenantId === tenantId) return record.messages;
      log.warn({ resumeCallId: callId }, 'resumeCallId names no call of this tenant: starting a new conversation');
    } catch (error) {
      log.warn({ resumeCallId: callId, err: (error as Error).message }, 'could not resume call history: starting a new conversation');
    }
    return undefined;
  }

  async #startCall(ws: uWS.WebSocket<Connection>, connection: Connection, start: CallStart): Promise<void> {
    // The signed token, not the carrier's stream parameters, says whose call this is.
    connection.lastMediaMs = performance.now();
    const call = await this.startCall({
      callId: connection.id, transport: connection.protocol.name, start, tenantId: connection.tenantId, agentId: connection.agentId,
      output: this.#output(ws, connection, start), abandoned: () => connection.closed,
    });
    if (!call) {
      if (!connection.closed) ws.end(1011, 'agent unavailable');
      return;
    }
    connection.call = call;
    for (const payload of connection.pending) call.pushAudio(payload);
    for (const name of connection.pendingMarks) call.onMark(name);
    connection.pending = [];
    connection.pendingMarks = [];
  }

  #output(ws: uWS.WebSocket<Connection>, connection: Connection, start: CallStart): CarrierOutput {
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
