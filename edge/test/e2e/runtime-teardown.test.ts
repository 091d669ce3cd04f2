// 1,000 short calls through one edge's agent runtime, each hung up at a different moment of a real turn: at once,
// while the caller's words are being recognised, while the LLM and a webhook tool run, and while the agent speaks.
// Afterwards no call, paced stream, timer, socket or WASM memory is left, no webhook request is left open, the heap
// does not grow through the second half, and every call's history was written and marked ended.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { getDsp } from '@invorto/dsp/wasm.ts';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { startDeepgramEmulator, startOpenAiEmulator } from '../../testing/emulators/index.ts';
import { silenceFrames, speechFrames } from '../../src/sim/caller-sounds.ts';
import { startTestEdge } from '../helpers/edge-harness.ts';
import { readTimeline } from '../helpers/timeline.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
/** Handles of this process, except the server ends of idle keep-alive connections to the test's own servers. */
const handles = (serverPorts: number[]) => (process as unknown as { _getActiveHandles(): { localPort?: number }[] })._getActiveHandles()
  .filter((h) => !serverPorts.includes(h.localPort ?? -1)).length;

const CALLS = Number(process.env.TEARDOWN_CALLS ?? 1000);
const AT_ONCE = 25;

/** One call; `hangupAt` picks the moment: 0 at once, 1 after the words, 2 during the reply's generation, 3 while it plays. */
async function shortCall(url: string, index: number, words: string[]): Promise<void> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
  const closed = new Promise((resolve) => ws.on('close', resolve));
  let agentSpoke: () => void = () => {};
  const spoke = new Promise<void>((resolve) => { agentSpoke = resolve; });
  let media = 0;
  ws.on('message', (data) => { if (String(data).includes('"media"') && ++media > 5) agentSpoke(); });
  const streamSid = `MZ${index}`;
  const send = (message: object) => ws.send(JSON.stringify(message));
  send({ event: 'start', streamSid, start: { streamSid, callSid: `CA${index}`, customParameters: {}, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } } });
  const hangupAt = index % 4;
  if (hangupAt > 0) for (const payload of words) send({ event: 'media', streamSid, media: { track: 'inbound', payload } });
  if (hangupAt === 2) await new Promise((r) => setTimeout(r, 120));
  if (hangupAt === 3) await Promise.race([spoke, new Promise((r) => setTimeout(r, 2000))]);
  send({ event: 'stop', streamSid });
  await closed;
}

describe('runtime teardown', () => {
  it(`leaves nothing behind after ${CALLS} calls cut at every stage of a turn with a tool`, async () => {
    const hooks = { open: 0, total: 0 };
    const webhook = createServer((req, res) => {
      hooks.open++;
      hooks.total++;
      req.resume();
      res.on('close', () => { hooks.open--; });
      const timer = setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"open":"nine to six"}'), 40);
      res.on('close', () => clearTimeout(timer));
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    const deepgram = await startDeepgramEmulator({ listen: { utterances: [{ transcript: 'What are your opening hours?' }], finalDelayMs: 10 }, speak: { firstByteMs: 10 } });
    const openai = await startOpenAiEmulator({
      firstTokenMs: 10,
      responder: ({ messages }) => (messages.at(-1)?.role === 'tool' ? { text: 'We are open from nine to six, Monday to Saturday.' } : { toolCalls: [{ name: 'opening_hours', arguments: {} }] }),
    });
    const agent = {
      ...demoAgent('default'), greeting: 'Hi.',
      tools: { webhooks: [{ name: 'opening_hours', description: 'Opening hours', url: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hours`, secret: 'a-webhook-secret-of-32-characters', parameters: { type: 'object', properties: {} } }] },
    };
    const harness = await startTestEdge(
      { deepgramApiKey: 'test-deepgram-key', deepgramBaseUrl: deepgram.url, openaiApiKey: 'test-openai-key', openaiBaseUrl: `${openai.url}/v1` },
      { agent, maxCalls: AT_ONCE * 2 },
    );
    const words = [...(await speechFrames('What are your opening hours?')), ...silenceFrames(800)].map((f) => Buffer.from(f).toString('base64'));
    const batch = async (from: number, to: number) => {
      for (let i = from; i < to; i += AT_ONCE) {
        await Promise.all(Array.from({ length: Math.min(AT_ONCE, to - i) }, (_, k) => shortCall(harness.mediaUrl, i + k, words)));
      }
    };
    const settle = async () => {
      const deadline = Date.now() + 5000;
      while ((harness.edge.server.activeCalls > 0 || hooks.open > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 2500)); // provider sessions close gracefully in the background
      // The harness and the emulators keep logs in this process: they are not the edge's memory.
      harness.logs.length = 0;
      for (const log of [deepgram.listenRequests, deepgram.speakRequests, openai.requests]) log.length = 0;
      // What is retained, not what is in flight: the least of a few full collections apart (a history write or a
      // timeline batch still pending adds a few hundred KB to any one reading on a loaded host).
      let least = Infinity;
      for (let i = 0; i < 4; i++) {
        gc();
        least = Math.min(least, process.memoryUsage().heapUsed);
        await new Promise((r) => setTimeout(r, 250));
      }
      return least;
    };
    try {
      await batch(0, 100); // warm up: pools, JIT, provider connections
      await settle();
      const serverPorts = [deepgram.port, openai.port, (webhook.address() as AddressInfo).port];
      const before = { handles: handles(serverPorts), timers: timers(), wasm: getDsp().exports.memory.buffer.byteLength };
      await batch(100, 100 + CALLS / 2);
      const heapAfterFirst = await settle();
      await batch(100 + CALLS / 2, 100 + CALLS);
      const heapAfterSecond = await settle();
      const growthKbPerCall = (heapAfterSecond - heapAfterFirst) / 1000 / (CALLS / 2);
      console.log(`runtime teardown: ${CALLS} calls, heap ${growthKbPerCall.toFixed(2)} KB per call through the second half, handles ${before.handles} -> ${handles(serverPorts)}, timers ${before.timers} -> ${timers()}, webhook requests ${hooks.total}`);
      expect(harness.edge.server.activeCalls).toBe(0);
      expect(harness.edge.server.pacer.size).toBe(0);
      expect(hooks.open).toBe(0);
      expect(hooks.total).toBeGreaterThan(CALLS / 8); // the tool really ran in many of them
      expect(handles(serverPorts)).toBeLessThanOrEqual(before.handles);
      expect(timers()).toBeLessThanOrEqual(before.timers);
      expect(getDsp().exports.memory.buffer.byteLength).toBe(before.wasm);
      // A call holds tens of KB (dsp state, queues, provider sessions): retaining even one in ten would show here.
      expect(growthKbPerCall).toBeLessThan(2);
      // Calls hung up before their agent was even looked up never start; every call that started kept its history.
      const started = readTimeline(harness.dataDir).filter((e) => e.callStarted).length;
      expect(started).toBeGreaterThan(CALLS);
      const histories = readdirSync(join(harness.dataDir, 'history'));
      expect(histories).toHaveLength(started);
      expect(histories.every((file) => JSON.parse(readFileSync(join(harness.dataDir, 'history', file), 'utf8')).ended === true)).toBe(true);
    } finally {
      await harness.close();
      await deepgram.close();
      await openai.close();
      await new Promise((resolve) => webhook.close(resolve));
    }
  }, 240_000);
});
