// ns per 20 ms frame of the whole inbound chain (decode, high-passed energy, VAD, endpoint, barge-in):
// WASM (through the TypeScript wrapper the edge uses) against the plain-TS reference, on real corpus audio.
import { Bench } from 'tinybench';
import { corpus, loadVadCorpus } from '@invorto/dsp/corpus.ts';
import { InboundChain } from '@invorto/dsp/inbound-chain.ts';
import { ReferenceInboundChain } from '@invorto/dsp/reference/chain.ts';
import { writeReport, type Row } from '../report.ts';

export async function run(): Promise<void> {
  const clips = loadVadCorpus();
  const clip = clips[Math.min(5, clips.length - 1)];
  const rows: Row[] = [];
  const results: Record<string, unknown> = {};
  for (const [label, codec, rate, data] of [['8 kHz mu-law', 'mulaw', 8000, clip.ulaw8k.data], ['16 kHz PCM16', 'l16', 16000, clip.pcm16k.data]] as const) {
    const wasm = new InboundChain({ codec, sampleRateHz: rate });
    const reference = new ReferenceInboundChain({ codec, sampleRateHz: rate });
    const frameBytes = reference.frameBytes;
    const frames = Array.from({ length: Math.floor(data.length / frameBytes) }, (_, i) => data.slice(i * frameBytes, (i + 1) * frameBytes));
    let a = 0;
    let b = 0;
    const bench = new Bench({ time: 1500, warmupTime: 300 });
    bench.add('wasm', () => { wasm.analyse(frames[a++ % frames.length]); }); // what the edge runs per frame
    bench.add('plain-ts', () => { reference.processFrame(frames[b++ % frames.length]); });
    console.error(`chain ${label}: running…`);
    await bench.run();
    const ns = (name: string) => (bench.getTask(name)!.result as { latency: { mean: number } }).latency.mean * 1e6;
    const wasmNs = ns('wasm');
    const tsNs = ns('plain-ts');
    rows.push({ input: label, 'wasm ns/frame': wasmNs, 'plain-ts ns/frame': tsNs, 'speed-up': tsNs / wasmNs, 'wasm % of one core at 1 call': (wasmNs / 20e6) * 100 });
    results[label] = { wasmNsPerFrame: wasmNs, plainTsNsPerFrame: tsNs, speedUp: tsNs / wasmNs };
    wasm.dispose();
  }
  writeReport('dsp-chain', `Inbound chain per 20 ms frame: WASM vs plain TS (clip ${clip.name} of ${corpus.label})`, results, { 'Whole inbound chain': rows });
}
