// Control's HTTP requests, on both faces: how long each took by route pattern, and how many are being served now.
import type { FastifyInstance } from 'fastify';
import { Gauge, Histogram, type Registry } from 'prom-client';

export type Api = 'public' | 'internal';

/**
 * The route label of a request no route matched. One fixed value: labelled with its raw path, a scanner walking
 * /wp-admin/… would make a series per path it tries and grow Prometheus without bound.
 */
export const UNMATCHED_ROUTE = 'unmatched';

// An edge's agent look-up takes a few milliseconds, a page of calls tens of them, an invoice PDF up to seconds.
const REQUEST_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class HttpMetrics {
  readonly duration: Histogram<'api' | 'method' | 'route' | 'status_class'>;
  readonly inFlight: Gauge<'api'>;

  constructor(registers: Registry[]) {
    this.duration = new Histogram({
      name: 'invorto_control_http_request_duration_seconds',
      help: 'Control HTTP requests, from arrival to the last byte of the answer, by API (public or internal), method, route pattern (unmatched for no route) and status class',
      labelNames: ['api', 'method', 'route', 'status_class'], buckets: REQUEST_BUCKETS_S, registers,
    });
    this.inFlight = new Gauge({ name: 'invorto_control_http_requests_in_flight', help: 'Control HTTP requests being served now, by API', labelNames: ['api'], registers });
  }

  /** Hooks on one of control's apps; added before any route, so requests refused by auth or rate limits count too. */
  instrument(app: FastifyInstance<any, any, any, any, any>, api: Api): void {
    this.inFlight.set({ api }, 0);
    app.addHook('onRequest', (request, reply, done) => {
      // A WebSocket (the live monitor) is a connection that lasts as long as a call, not a request: left out.
      if (request.headers.upgrade) return done();
      this.inFlight.inc({ api });
      // 'close' comes after the answer or when the client goes away mid-request, where onResponse never runs.
      reply.raw.once('close', () => this.inFlight.dec({ api }));
      done();
    });
    app.addHook('onResponse', (request, reply, done) => {
      if (request.headers.upgrade) return done();
      // The pattern ("/v1/agents/:id"), never the URL: ids in a label would make a series per agent or call.
      const route = request.is404 ? UNMATCHED_ROUTE : request.routeOptions.url ?? UNMATCHED_ROUTE;
      this.duration.observe({ api, method: request.method, route, status_class: `${Math.floor(reply.statusCode / 100)}xx` }, reply.elapsedTime / 1000);
      done();
    });
  }
}
