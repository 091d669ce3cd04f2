// The tools engine: schema validation, timeouts, parallel and chained execution, cascading failures, cancellation.
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { endCallTool, webhookTool } from '../src/tools/builtins.ts';
import { executeTools, ToolRegistry, toolMessageContent } from '../src/tools/executor.ts';
import type { Tool } from '../src/tools/types.ts';

const sleep = (ms: number, signal?: AbortSignal) => new Promise((resolve, reject) => {
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(timer); reject(new Error('aborted')); });
});

function tool(name: string, run: Tool['run'], extra: Partial<Tool> = {}): Tool {
  return { name, description: name, parameters: { type: 'object', properties: { n: { type: 'integer' } }, additionalProperties: false }, run, ...extra };
}

const options = () => ({ callId: 'c1', signal: new AbortController().signal });

describe('tools engine', () => {
  it('answers invalid arguments, unknown tools and broken JSON as structured errors', async () => {
    const registry = new ToolRegistry().register(tool('double', async (a) => Number(a.n) * 2));
    const outcomes = await executeTools(registry, [
      { id: '1', name: 'double', argumentsJson: '{"n": 21}' },
      { id: '2', name: 'double', argumentsJson: '{"n": "twenty"}' },
      { id: '3', name: 'triple', argumentsJson: '{}' },
      { id: '4', name: 'double', argumentsJson: '{"n": 1' },
    ], options());
    expect(outcomes[0]).toMatchObject({ ok: true, result: 42 });
    expect(outcomes[1]).toMatchObject({ ok: false, error: { kind: 'invalid_arguments', message: '/n must be integer' } });
    expect(outcomes[2]).toMatchObject({ ok: false, error: { kind: 'unknown_tool' } });
    expect(outcomes[3]).toMatchObject({ ok: false, error: { kind: 'invalid_arguments' } });
    expect(JSON.parse(toolMessageContent(outcomes[1]))).toEqual({ ok: false, error: { kind: 'invalid_arguments', message: '/n must be integer' } });
  });

  it('runs independent calls in parallel and chains dependent ones, handing results along', async () => {
    const order: string[] = [];
    const registry = new ToolRegistry()
      .register(tool('slow', async (a, ctx) => { order.push(`start ${a.n}`); await sleep(100, ctx.signal); order.push(`end ${a.n}`); return Number(a.n); }))
      .register(tool('sum', async (_a, ctx) => Object.values(ctx.dependencies).reduce((s: number, v) => s + Number(v), 0)));
    const started = performance.now();
    const outcomes = await executeTools(registry, [
      { id: 'a', name: 'slow', argumentsJson: '{"n":1}' },
      { id: 'b', name: 'slow', argumentsJson: '{"n":2}' },
      { id: 'c', name: 'sum', argumentsJson: '{}', dependsOn: ['a', 'b'] },
    ], options());
    expect(order.slice(0, 2)).toEqual(['start 1', 'start 2']); // both started before either ended
    expect(outcomes[2]).toMatchObject({ ok: true, result: 3 });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('reports a failing middle tool\'s cascade to every dependent, and cycles', async () => {
    const registry = new ToolRegistry()
      .register(tool('ok', async () => 'fine'))
      .register(tool('boom', async () => { throw new Error('inventory service down'); }));
    const outcomes = await executeTools(registry, [
      { id: 'first', name: 'ok', argumentsJson: '{}' },
      { id: 'middle', name: 'boom', argumentsJson: '{}', dependsOn: ['first'] },
      { id: 'last', name: 'ok', argumentsJson: '{}', dependsOn: ['middle'] },
      { id: 'x', name: 'ok', argumentsJson: '{}', dependsOn: ['y'] },
      { id: 'y', name: 'ok', argumentsJson: '{}', dependsOn: ['x'] },
    ], options());
    expect(outcomes[0]).toMatchObject({ ok: true });
    expect(outcomes[1]).toMatchObject({ ok: false, error: { kind: 'failed', message: 'inventory service down' } });
    expect(outcomes[2]).toMatchObject({ ok: false, error: { kind: 'dependency_failed', message: 'boom (middle) failed: inventory service down' } });
    expect(outcomes[3]).toMatchObject({ ok: false, error: { kind: 'dependency_failed' } });
    expect(JSON.stringify(outcomes[3])).toMatch(/cycle/);
  });

  it('times a slow tool out, and a cancelled generation runs nothing and leaves nothing in progress', async () => {
    let hungUp = false;
    let running = 0;
    const registry = new ToolRegistry()
      .register(tool('sleepy', async (_a, ctx) => { running++; try { await sleep(5000, ctx.signal); } finally { running--; } }, { timeoutMs: 50 }))
      .register(endCallTool({ hangup: () => { hungUp = true; }, transfer: () => {} }));
    const [timedOut] = await executeTools(registry, [{ id: 't', name: 'sleepy', argumentsJson: '{}' }], options());
    expect(timedOut).toMatchObject({ ok: false, error: { kind: 'timeout' } });
    const cancelled = new AbortController();
    cancelled.abort();
    const [endCall] = await executeTools(registry, [{ id: 'e', name: 'end_call', argumentsJson: '{}' }], { callId: 'c1', signal: cancelled.signal });
    expect(endCall).toMatchObject({ ok: false, error: { kind: 'cancelled' } });
    expect(hungUp).toBe(false); // a hallucinated end_call from a cancelled generation hangs up nobody
    const midway = new AbortController();
    const pending = executeTools(registry, [{ id: 's', name: 'sleepy', argumentsJson: '{}' }], { callId: 'c1', signal: midway.signal });
    await sleep(10);
    midway.abort();
    expect((await pending)[0]).toMatchObject({ ok: false, error: { kind: 'cancelled' } });
    expect(running).toBe(0);
  });

  it('signs webhook calls with HMAC and honours their timeout', async () => {
    const received: { body: string; signature: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        received.push({ body, signature: String(req.headers['x-invorto-signature']) });
        if (body.includes('slow')) setTimeout(() => res.end('{}'), 1000);
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{"slot":"10:30"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/book`;
    try {
      const registry = new ToolRegistry().register(webhookTool({ name: 'book', description: 'book', url, secret: 'whsec', timeoutMs: 200, parameters: { type: 'object', properties: { day: { type: 'string' } }, required: ['day'] } }));
      const [ok, slow] = await executeTools(registry, [
        { id: '1', name: 'book', argumentsJson: '{"day":"monday"}' },
        { id: '2', name: 'book', argumentsJson: '{"day":"slow"}' },
      ], options());
      expect(ok).toMatchObject({ ok: true, result: { slot: '10:30' } });
      expect(slow).toMatchObject({ ok: false, error: { kind: 'timeout' } });
      const first = received.find((r) => r.body.includes('monday'))!;
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]+)$/.exec(first.signature)!;
      expect(v1).toBe(createHmac('sha256', 'whsec').update(`${t}.${first.body}`).digest('hex'));
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('refuses a tool whose parameters are not a JSON Schema', () => {
    expect(() => new ToolRegistry().register(tool('bad', async () => 0, { parameters: { type: 'no-such-type' } }))).toThrow(/not a valid JSON Schema/);
  });
});
