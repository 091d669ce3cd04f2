// `invorto edge --workers N`: N edge processes on one port. uWebSockets.js listens with SO_REUSEPORT, so the kernel
// spreads connections over them; each process owns its calls and its WASM instance. SIP runs in worker 0, which
// then owns its calls' RTP sockets. /metrics on any worker is the whole pool's: the primary gathers every worker's registry and sums them.
import cluster from 'node:cluster';
import { createServer } from 'node:net';
import { AggregatorRegistry } from 'prom-client';

export async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** In the primary: forks the workers and serves their metrics requests; resolves when all have exited. */
export async function runPrimary(workers: number, port: number, argv: string[], untilSignal: () => Promise<unknown>): Promise<number> {
  cluster.setupPrimary({ args: ['edge', ...argv] });
  const children = Array.from({ length: workers }, (_, index) => cluster.fork({ INVORTO_EDGE_WORKER_INDEX: String(index), INVORTO_EDGE_POOL_PORT: String(port) }));
  let nextId = 0;
  const gathering = new Map<number, { parts: object[][]; done: (parts: object[][]) => void }>();
  const gather = () => new Promise<object[][]>((done) => {
    const id = ++nextId;
    const live = children.filter((c) => c.isConnected());
    gathering.set(id, { parts: [], done });
    for (const c of live) c.send({ type: 'invorto-metrics-json-request', id, expect: live.length });
    setTimeout(() => { const entry = gathering.get(id); if (entry) { gathering.delete(id); entry.done(entry.parts); } }, 2000).unref();
  });
  for (const child of children) {
    child.on('message', async (message: { type?: string; id?: number; json?: object[] }) => {
      if (message?.type === 'invorto-metrics-json') {
        const entry = gathering.get(message.id!);
        if (!entry) return;
        entry.parts.push(message.json!);
        if (entry.parts.length === children.filter((c) => c.isConnected()).length) {
          gathering.delete(message.id!);
          entry.done(entry.parts);
        }
      } else if (message?.type === 'invorto-metrics-request') {
        const text = await AggregatorRegistry.aggregate(await gather()).metrics();
        if (child.isConnected()) child.send({ type: 'invorto-metrics', id: message.id, text });
      }
    });
  }
  const exited = Promise.all(children.map((child) => new Promise((resolve) => child.once('exit', resolve))));
  console.error(`edge pool: ${workers} worker processes on port ${port}`);
  await Promise.race([untilSignal(), exited]);
  for (const child of children) if (!child.isDead()) child.process.kill('SIGTERM');
  await exited;
  return 0;
}

/** In a worker: its registry joins the pool's aggregation; /metrics asks the primary for the whole pool's text. */
export function workerMetrics(registry: import('prom-client').Registry): () => Promise<string> {
  let nextId = 0;
  const waiting = new Map<number, (text: string) => void>();
  process.on('message', async (message: { type?: string; id?: number; text?: string }) => {
    if (message?.type === 'invorto-metrics-json-request') {
      process.send?.({ type: 'invorto-metrics-json', id: message.id, json: await registry.getMetricsAsJSON() });
    } else if (message?.type === 'invorto-metrics') {
      waiting.get(message.id!)?.(message.text!);
      waiting.delete(message.id!);
    }
  });
  return () => new Promise((resolve) => {
    const id = ++nextId;
    waiting.set(id, resolve);
    process.send?.({ type: 'invorto-metrics-request', id });
  });
}
