// The edge's heartbeat to control: what it sends, how often, and that a control that is down costs one log line a
// minute and nothing else.
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { EDGE_VERSION, EdgeHeartbeat, edgeIdFor } from '../../src/control/heartbeat.ts';

function fakeControl(status = 200): Promise<{ server: Server; url: string; beats: { body: Record<string, unknown>; token: string }[] }> {
  const beats: { body: Record<string, unknown>; token: string }[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => { text += c; });
    req.on('end', () => {
      if (req.url === '/internal/edges/heartbeat' && req.method === 'POST') beats.push({ body: JSON.parse(text), token: String(req.headers['x-invorto-internal']) });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{"state":"up","lostAfterS":15}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, beats })));
}

function capturingLog() {
  const lines: Record<string, unknown>[] = [];
  return { lines, log: pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) }) };
}

describe('edge heartbeat', () => {
  const closers: (() => Promise<void> | void)[] = [];
  afterEach(async () => { for (const close of closers.splice(0)) await close(); });

  it('names the edge by INVORTO_EDGE_ID, else host:port, with the worker index', () => {
    expect(edgeIdFor('edge-mumbai-1', 8081)).toBe('edge-mumbai-1');
    expect(edgeIdFor('', 8081)).toBe(`${hostname()}:8081`);
    expect(edgeIdFor('', 8081, 2)).toBe(`${hostname()}:8081-w2`);
  });

  it('sends its id, address, version, calls in progress and CPU every interval, with the internal token', async () => {
    const control = await fakeControl();
    closers.push(() => { control.server.close(); });
    let calls = 2;
    const heartbeat = new EdgeHeartbeat({
      controlUrl: control.url, internalToken: 'tok', edgeId: 'edge-1', address: 'http://10.0.0.5:8081', version: EDGE_VERSION,
      activeCalls: () => calls, intervalMs: 50, log: capturingLog().log,
    }).start();
    closers.push(() => heartbeat.stop());
    const until = async (ok: () => boolean) => { for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 25)); };
    await until(() => control.beats.length >= 1);
    calls = 5;
    await until(() => control.beats.length >= 3 && control.beats.at(-1)!.body.activeCalls === 5);
    await heartbeat.stop();
    expect(control.beats.length).toBeGreaterThanOrEqual(3);
    expect(control.beats[0]).toEqual({ token: 'tok', body: { id: 'edge-1', address: 'http://10.0.0.5:8081', version: EDGE_VERSION, activeCalls: 2, cpu: expect.any(Number), bootedAt: Math.floor(performance.timeOrigin) } });
    expect(control.beats.at(-1)!.body.activeCalls).toBe(5);
    expect(control.beats.every((b) => (b.body.cpu as number) >= 0)).toBe(true);
  });

  it('says when it is draining', async () => {
    const control = await fakeControl();
    closers.push(() => { control.server.close(); });
    const heartbeat = new EdgeHeartbeat({
      controlUrl: control.url, internalToken: 'tok', edgeId: 'e', address: 'a', version: 'v', activeCalls: () => 0, draining: () => true, log: capturingLog().log,
    });
    expect(await heartbeat.beat()).toBe(true);
    expect(control.beats[0].body.draining).toBe(true);
  });

  it('logs a failing control once a minute and never throws', async () => {
    const { lines, log } = capturingLog();
    let nowMs = 0;
    const down = new EdgeHeartbeat({
      controlUrl: 'http://127.0.0.1:9', internalToken: 'tok', edgeId: 'e', address: 'a', version: 'v', activeCalls: () => 0, log, nowMs: () => nowMs,
    });
    expect(await down.beat()).toBe(false);
    nowMs = 30_000;
    expect(await down.beat()).toBe(false);
    expect(lines).toHaveLength(1);
    nowMs = 61_000;
    expect(await down.beat()).toBe(false);
    expect(lines).toHaveLength(2);
    expect(lines[0].msg).toContain('heartbeat to control failed');
    const refused = await fakeControl(401);
    closers.push(() => { refused.server.close(); });
    const unauthorized = new EdgeHeartbeat({ controlUrl: refused.url, internalToken: 'bad', edgeId: 'e', address: 'a', version: 'v', activeCalls: () => 0, log });
    expect(await unauthorized.beat()).toBe(false);
    expect(String(lines.at(-1)!.err)).toContain('401');
  });
});
