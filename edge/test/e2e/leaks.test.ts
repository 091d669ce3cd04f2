// 2,000 short calls through one edge: afterwards no call, socket, timer or WASM memory is left behind, and the heap
// does not grow through the second thousand.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { getDsp } from '@invorto/dsp/wasm.ts';
import { startTestEdge } from '../helpers/edge-harness.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const activeHandles = () => (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;

async function shortCall(url: string, index: number): Promise<void> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
  const closed = new Promise((resolve) => ws.on('close', resolve));
  const streamSid = `MZ${index}`;
  ws.send(JSON.stringify({ event: 'start', streamSid, start: { streamSid, callSid: `CA${index}`, customParameters: {}, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } } }));
  const payload = Buffer.alloc(160, 0xff).toString('base64');
  for (let i = 0; i < 5; i++) ws.send(JSON.stringify({ event: 'media', streamSid, media: { track: 'inbound', payload } }));
  ws.send(JSON.stringify({ event: 'stop', streamSid }));
  await closed;
}

describe('teardown', () => {
  it('leaves nothing behind after 2,000 calls', async () => {
    const harness = await startTestEdge();
    try {
      for (let i = 0; i < 50; i++) await shortCall(harness.mediaUrl, i); // warm up: pools, JIT, the Flite worker
      const settle = async () => {
        const deadline = Date.now() + 5000;
        while (harness.edge.server.activeCalls > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        await new Promise((r) => setTimeout(r, 2500)); // provider sessions close gracefully in the background
        harness.logs.length = 0; // the harness keeps log lines in memory: they are not the edge's
        gc();
        return process.memoryUsage().heapUsed;
      };
      const handlesBefore = activeHandles();
      const wasmBefore = getDsp().exports.memory.buffer.byteLength;
      // The heap may settle during the first thousand calls (code, caches); it must not grow through the second.
      for (let i = 50; i < 1050; i++) await shortCall(harness.mediaUrl, i);
      const heapAfterFirst = await settle();
      for (let i = 1050; i < 2050; i++) await shortCall(harness.mediaUrl, i);
      const heapAfterSecond = await settle();
      const growthKbPerCall = (heapAfterSecond - heapAfterFirst) / 1000 / 1000;
      console.log(`second 1,000 calls: heap ${growthKbPerCall.toFixed(2)} KB per call, handles ${handlesBefore} -> ${activeHandles()}, WASM ${wasmBefore} -> ${getDsp().exports.memory.buffer.byteLength} bytes`);
      expect(harness.edge.server.activeCalls).toBe(0);
      expect(harness.edge.server.pacer.size).toBe(0);
      expect(activeHandles()).toBeLessThanOrEqual(handlesBefore);
      expect(getDsp().exports.memory.buffer.byteLength).toBe(wasmBefore);
      expect(growthKbPerCall).toBeLessThan(0.75);
    } finally {
      await harness.close();
    }
  }, 120_000);
});
