// The two socket stacks the lean edges run on: the `ws` package on node:http (the baseline) and uWebSockets.js (what
// the Invorto edge uses). Both give the edge the same thing: each Twilio message as bytes, a way to send back,
// and one close per socket, so the per-call code above them is identical and the difference is the server alone.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { nativeUws, type uWS } from '@invorto/edge/server/uws.ts';
import type { MessageBytes } from '@invorto/edge/transports/types.ts';

export interface Carrier {
  send(data: string | Uint8Array): void;
  close(code: number, reason: string): void;
}

export interface CarrierHandlers {
  /** The bytes are only valid during the call (uWebSockets.js reuses its buffer). */
  message(data: MessageBytes, isBinary: boolean): void;
  close(): void;
}

export interface LeanServer {
  port: number;
  close(): void;
}

const PATH = '/media/twilio';
const MAX_PAYLOAD = 65536;

export function serveWs(connect: (carrier: Carrier) => CarrierHandlers): Promise<LeanServer> {
  const server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server, path: PATH, perMessageDeflate: false, maxPayload: MAX_PAYLOAD });
  wss.on('connection', (ws) => {
    const handlers = connect({ send: (data) => ws.send(data), close: (code, reason) => ws.close(code, reason) });
    ws.on('message', (data: Buffer, isBinary: boolean) => handlers.message(data, isBinary));
    ws.on('close', () => handlers.close());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const ws of wss.clients) ws.terminate();
      server.closeAllConnections();
    },
  })));
}

export function serveUws(connect: (carrier: Carrier) => CarrierHandlers): Promise<LeanServer> {
  const { uws } = nativeUws();
  type Socket = uWS.WebSocket<{ handlers?: CarrierHandlers; open: boolean }>;
  const sockets = new Set<Socket>();
  const app = uws.App().ws<{ handlers?: CarrierHandlers; open: boolean }>(PATH, {
    compression: uws.DISABLED, maxPayloadLength: MAX_PAYLOAD, maxBackpressure: 1024 * 1024, idleTimeout: 32,
    open: (ws) => {
      const data = ws.getUserData();
      data.open = true;
      sockets.add(ws);
      // A closed uWS socket throws on use: the call may still tick once between close and its own cleanup.
      data.handlers = connect({ send: (message) => { if (data.open) ws.cork(() => ws.send(message, typeof message !== 'string')); }, // late writes must be corked, as in the edge
        close: (code, reason) => { if (data.open) ws.end(code, reason); } });
    },
    message: (ws, message, isBinary) => ws.getUserData().handlers?.message(message, isBinary),
    close: (ws) => {
      const data = ws.getUserData();
      data.open = false;
      sockets.delete(ws);
      data.handlers?.close();
    },
  }).any('/*', (res) => { res.writeStatus('404 Not Found').end(); });
  return new Promise((resolve, reject) => app.listen('127.0.0.1', 0, (listenSocket) => {
    if (!listenSocket) return reject(new Error('uWebSockets.js could not listen on 127.0.0.1'));
    resolve({
      port: uws.us_socket_local_port(listenSocket),
      close: () => {
        for (const ws of sockets) ws.close();
        uws.us_listen_socket_close(listenSocket);
      },
    });
  }));
}
