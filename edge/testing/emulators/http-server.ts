// A loopback HTTP server on port 0 with WebSocket upgrades, shared by the provider emulators.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface EmulatorServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface Routes {
  http(req: IncomingMessage, res: ServerResponse, url: URL): void | Promise<void>;
  /** Return false to refuse the upgrade (the handler has answered with an HTTP status). */
  upgrade?(req: IncomingMessage, url: URL): { status: number; body: string } | null;
  websocket?(socket: WebSocket, req: IncomingMessage, url: URL): void;
}

export async function startEmulatorServer(routes: Routes): Promise<EmulatorServer> {
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true });
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    Promise.resolve(routes.http(req, res, url)).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: error.message }));
    });
  });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const refusal = routes.upgrade?.(req, url) ?? (routes.websocket ? null : { status: 404, body: 'no websocket here' });
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal.status} Refused\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(refusal.body)}\r\n\r\n${refusal.body}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      routes.websocket!(ws, req, url);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A provider latency in ms: fixed, or drawn afresh for each request (a benchmark's jittered profile). */
export type Latency = number | (() => number);
export const latencyMs = (latency: Latency | undefined): number => Math.max(0, typeof latency === 'function' ? latency() : latency ?? 0);
