// The edge node: uWebSockets.js serving carrier media WebSockets, /health, /metrics and the history route. It puts
// the parts together: who may connect (media-upgrade.ts), the sockets and their messages (media-socket.ts), and the
// call host that media sockets and SIP both start calls through (call-host.ts). Metrics and the timeline observe
// the host's and the calls' events; nothing here counts anything itself.
import type { AgentSource } from '../agents/agent-source.ts';
import type { EdgeSecrets } from '../auth/edge-secrets.ts';
import type { BudgetLimits } from '../budget/limits.ts';
import { EdgeMetrics } from '../metrics/edge-metrics.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { Call } from '../runtime/call.ts';
import type { HistoryStore } from '../runtime/history-store.ts';
import type { Pacer } from '../runtime/pacer.ts';
import { recordTimeline } from '../timeline/call-timeline.ts';
import type { ObservableSink } from '@invorto/timeline/open-timeline.ts';
import { exotelProtocol } from '../transports/exotel.ts';
import { nativeProtocol } from '../transports/native.ts';
import { plivoProtocol } from '../transports/plivo.ts';
import { telnyxProtocol } from '../transports/telnyx.ts';
import { twilioProtocol } from '../transports/twilio.ts';
import type { MediaStreamProtocol } from '../transports/types.ts';
import type { Logger } from '../util/log.ts';
import { CallHost, type StartCallParams } from './call-host.ts';
import { registerHistoryRoute } from './history-route.ts';
import { MediaSockets, type Connection } from './media-socket.ts';
import { mediaUpgrade } from './media-upgrade.ts';
import { nativeUws, type uWS, type UwsModule } from './uws.ts';

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
  /**
   * The media token secret (every media socket must present a token signed with it) and the Twilio auth token:
   * when set, Twilio upgrades must carry a valid X-Twilio-Signature over `publicUrl` + the request's path and query
   * (the URL as Twilio saw it, behind any proxy). Read at each upgrade, so a reload applies to new sockets only.
   */
  secrets: EdgeSecrets;
  /** Calls this node takes at once; the next upgrade is answered 503. */
  maxCalls?: number;
  /** A started call that sends no media for this long is ended. */
  noMediaTimeoutMs?: number;
  /** Unsent bytes a call's socket may hold before its outbound audio waits (a slow carrier cannot grow memory). */
  maxOutboundBufferBytes?: number;
  publicUrl?: string;
  /** Serves /metrics from elsewhere (a pool aggregating its workers); default: this node's own registry. */
  metricsText?: () => Promise<string>;
  workerIndex?: number;
  /** Keeps each call's conversation (GET /calls/:id/history; a stream parameter `resumeCallId` continues one). */
  history?: HistoryStore;
  /** Guards the history route when set. */
  internalToken?: string;
  /** Tenants' budgets and per-call caps (with control): refused at call start, watched during the call. */
  limits?: BudgetLimits;
}

export class EdgeServer {
  readonly metrics = new EdgeMetrics();
  /** Where every transport starts its calls (SIP takes this, not the server). */
  readonly calls: CallHost;
  readonly #options: EdgeServerOptions;
  readonly #uws: UwsModule;
  readonly #app: uWS.TemplatedApp;
  readonly #sockets: MediaSockets;
  #listenSocket: uWS.us_listen_socket | null = null;
  #port = 0;
  /** One sweep for every call's no-media timeout, not a timer per call. */
  #sweep: NodeJS.Timeout | null = null;

  constructor(options: EdgeServerOptions) {
    const { uws, build, skipped } = nativeUws();
    this.#uws = uws;
    options.log.info({ uws: `${build.alias} ${build.version}`, skipped }, 'uWebSockets.js build in use');
    this.#options = options;
    this.calls = new CallHost({ agents: options.agents, providers: options.providers, log: options.log, maxCalls: options.maxCalls, history: options.history,
      admit: options.limits ? (tenantId) => options.limits!.admit(tenantId) : undefined });
    options.limits?.watch(this.calls);
    this.metrics.watchTimeline(options.timeline);
    this.metrics.calls.maxCalls.set(this.calls.maxCalls);
    this.metrics.observeHost(this.calls);
    this.metrics.watchProviders(options.providers.resilience);
    this.calls.on('callStarted', ({ call, tenantId, agentId, agent }) => recordTimeline(call, options.timeline, { tenantId, agentId, agentVersion: agent.version }));
    this.#sockets = new MediaSockets({
      host: this.calls, log: options.log, maxMessageBytes: options.maxMessageBytes ?? 64 * 1024,
      noMediaTimeoutMs: options.noMediaTimeoutMs, maxOutboundBufferBytes: options.maxOutboundBufferBytes,
    });
    this.#app = uws.App();
    this.#routes();
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `http://${this.#options.host}:${this.#port}`;
  }

  get pacer(): Pacer {
    return this.calls.pacer;
  }

  get activeCalls(): number {
    return this.calls.activeCalls;
  }

  /** Whether another call fits under the node's limit. */
  get full(): boolean {
    return this.calls.full;
  }

  /** Starts a call for any transport (see CallHost.startCall). */
  startCall(params: StartCallParams): Promise<Call | null> {
    return this.calls.startCall(params);
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#app.listen(this.#options.host, this.#options.port, (socket) => {
        if (!socket) {
          reject(new Error(`edge could not listen on ${this.#options.host}:${this.#options.port} (port in use? set INVORTO_EDGE_PORT or --edge-port)`));
          return;
        }
        this.#listenSocket = socket;
        this.#port = this.#uws.us_socket_local_port(socket);
        this.#sweep = setInterval(() => this.#sockets.endSilentCalls(), 1000);
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
    while (this.calls.activeCalls > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const ended = this.calls.endAll(`edge draining: call still active after ${limitMs} ms`);
    this.#sockets.endAll('edge draining');
    return ended;
  }

  #stopListening(): void {
    if (this.#listenSocket) this.#uws.us_listen_socket_close(this.#listenSocket);
    this.#listenSocket = null;
  }

  /** Stops listening and ends every call with a final event. */
  async close(): Promise<void> {
    this.#stopListening();
    if (this.#sweep) clearInterval(this.#sweep);
    this.#sweep = null;
    this.calls.endAll('edge shutting down');
    this.#sockets.endAll('edge shutting down');
    this.calls.close();
    this.metrics.close();
  }

  #routes(): void {
    this.#app.get('/health', (res) => {
      res.cork(() => res.writeHeader('content-type', 'application/json').end(JSON.stringify({ status: 'ok', service: 'edge', worker: this.#options.workerIndex ?? 0, activeCalls: this.calls.activeCalls })));
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
    const sockets = this.#sockets;
    this.#app.ws<Connection>('/media/:protocol', {
      compression: this.#uws.DISABLED,
      maxPayloadLength: this.#options.maxMessageBytes ?? 64 * 1024,
      maxBackpressure: 1024 * 1024,
      idleTimeout: 32,
      upgrade: mediaUpgrade({
        protocols, host: this.calls, sockets, agents: this.#options.agents, log: this.#options.log,
        secrets: this.#options.secrets,
        publicUrl: () => this.#options.publicUrl ?? `ws://${this.#options.host}:${this.#port}`,
      }),
      open: (ws) => sockets.open(ws),
      message: (ws, message, isBinary) => sockets.message(ws, message, isBinary),
      close: (ws, code, message) => sockets.closed(ws, code, message),
    });
    this.#app.any('/*', (res) => { res.writeStatus('404 Not Found').end('not found'); });
  }
}
