// The control HTTP API. Tenants authenticate with `Authorization: Bearer <api key>`; the edge uses the internal token.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { validateAgentConfig, type AgentConfig } from '@invorto/proto/agent-config.ts';
import type { ControlDb } from './db.ts';

const MAX_BODY_BYTES = 256 * 1024;

export interface ControlServerOptions {
  db: ControlDb;
  host: string;
  port: number;
  /** Shared secret the edge presents to read agents of any tenant. */
  internalToken: string;
  log?: (line: Record<string, unknown>) => void;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export class ControlServer {
  readonly #options: ControlServerOptions;
  #server: Server | null = null;

  constructor(options: ControlServerOptions) {
    this.#options = options;
  }

  get url(): string {
    const address = this.#server?.address() as AddressInfo | null;
    if (!address) throw new Error('control server is not listening');
    return `http://${this.#options.host}:${address.port}`;
  }

  async listen(): Promise<void> {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        const status = error instanceof HttpError ? error.status : 500;
        if (status === 500) this.#options.log?.({ level: 'error', msg: 'control request failed', path: req.url, error: String(error) });
        if (!res.headersSent) send(res, status, { error: error instanceof Error ? error.message : String(error) });
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.#server!.once('error', reject);
      this.#server!.listen(this.#options.port, this.#options.host, resolve);
    });
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #tenantOf(req: IncomingMessage): string {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/.exec(header);
    if (!match) throw new HttpError(401, 'missing "Authorization: Bearer <api key>" header');
    const tenantId = this.#options.db.tenantForApiKey(match[1]);
    if (!tenantId) throw new HttpError(401, 'unknown API key');
    return tenantId;
  }

  /** GET /v1/calls, /v1/calls/:id (summary, usage, transcript), /v1/calls/:id/timeline (every event, in order). */
  #calls(res: ServerResponse, tenantId: string, rest: string[], url: URL): void {
    const { calls } = this.#options.db;
    if (rest.length === 0) return send(res, 200, { calls: calls.list(tenantId, Math.min(1000, Number(url.searchParams.get('limit') ?? 100) || 100)) });
    const callId = decodeURIComponent(rest[0]);
    // Another tenant's call is as absent as one that never was.
    if (calls.tenantOf(callId) !== tenantId) throw new HttpError(404, `no call "${callId}"`);
    if (rest.length === 1) return send(res, 200, calls.get(tenantId, callId));
    if (rest.length === 2 && rest[1] === 'timeline') return send(res, 200, { callId, events: calls.timeline(callId) });
    throw new HttpError(404, `no route GET /v1/calls/${rest.join('/')}`);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://control');
    const parts = url.pathname.split('/').filter(Boolean);
    const { db } = this.#options;

    if (req.method === 'GET' && url.pathname === '/health') return send(res, 200, { status: 'ok', service: 'control' });

    if (parts[0] === 'internal') {
      const token = String(req.headers['x-invorto-internal'] ?? '');
      if (!safeEqual(token, this.#options.internalToken)) throw new HttpError(401, 'bad internal token');
      if (req.method === 'GET' && parts[1] === 'tenant-for-key' && parts.length === 2) {
        const tenantId = db.tenantForApiKey(String(req.headers['x-api-key'] ?? ''));
        if (!tenantId) throw new HttpError(401, 'unknown API key');
        return send(res, 200, { tenantId });
      }
      if (req.method === 'GET' && parts[1] === 'agents' && parts.length === 4) {
        const agent = db.getAgent(parts[2], parts[3]);
        if (!agent) throw new HttpError(404, `no agent "${parts[3]}" for tenant "${parts[2]}"`);
        return send(res, 200, agent);
      }
      throw new HttpError(404, `no route ${req.method} ${url.pathname}`);
    }

    if (parts[0] !== 'v1') throw new HttpError(404, `no route ${req.method} ${url.pathname}`);
    const tenantId = this.#tenantOf(req);

    if (parts[1] === 'tenant' && parts.length === 2 && req.method === 'GET') {
      return send(res, 200, db.listTenants().find((t) => t.id === tenantId));
    }
    if (parts[1] === 'agents' && parts.length === 2 && req.method === 'GET') return send(res, 200, { agents: db.listAgents(tenantId) });
    if (parts[1] === 'calls' && req.method === 'GET') return this.#calls(res, tenantId, parts.slice(2), url);
    if (parts[1] === 'agents' && parts.length === 3) {
      const id = parts[2];
      if (req.method === 'GET') {
        const agent = db.getAgent(tenantId, id);
        if (!agent) throw new HttpError(404, `no agent "${id}"`);
        return send(res, 200, agent);
      }
      if (req.method === 'PUT') {
        const body = (await readJson(req)) as Partial<AgentConfig>;
        const agent = { ...body, id, tenantId } as AgentConfig;
        const problems = validateAgentConfig(agent);
        if (problems.length) throw new HttpError(400, `invalid agent: ${problems.join('; ')}`);
        db.putAgent(agent);
        return send(res, 200, agent);
      }
      if (req.method === 'DELETE') {
        if (!db.deleteAgent(tenantId, id)) throw new HttpError(404, `no agent "${id}"`);
        return send(res, 200, { deleted: id });
      }
    }
    throw new HttpError(404, `no route ${req.method} ${url.pathname}`);
  }
}
