// ns per 20 ms frame of the single kernels: G.711 in WASM vs the plain-TS reference vs `alawmulaw`; the streaming
// resampler vs the Speex resampler (WASM); all on the same corpus audio in the same run.
import { Bench } from 'tinybench';
import { corpus, loadVadCorpus } from '@invorto/dsp/corpus.ts';
import { decodeMulawRef, encodeMulawRef } from '@invorto/dsp/reference/g711.ts';
import { Resampler } from '@invorto/dsp/resampler.ts';
import { ReferenceResampler } from '@invorto/dsp/reference/resample.ts';
import { soxSnrTable } from './resampler-quality.ts';
import { getDsp } from '@invorto/dsp/wasm.ts';
import { pcm16Samples } from '@invorto/dsp/wav.ts';
import { writeReport, type Row } from '../report.ts';
import { alawmulaw } from './g711-peer.ts';

interface SpeexModule {
  _speex_resampler_init(channels: number, inRate: number, outRate: number, quality: number, errPtr: number): number;
  _speex_resampler_process_int(state: number, channel: number, inPtr: number, inLenPtr: number, outPtr: number, outLenPtr: number): number;
  _malloc(bytes: number): number;
  HEAP16: Int16Array;
  HEAPU32: Uint32Array;
}

async function speexResampler(fromHz: number, toHz: number, frameSamples: number, quality = 5) {
  const { default: create } = (await import('@echogarden/speex-resampler-wasm')) as unknown as { default: () => Promise<SpeexModule> };
  const m = await create();
  const state = m._speex_resampler_init(1, fromHz, toHz, quality, 0);
  const inPtr = m._malloc(frameSamples * 2);
  const outCapacity = Math.ceil((frameSamples * toHz) / fromHz) + 16;
  const outPtr = m._malloc(outCapacity * 2);
  const lengths = m._malloc(8);
  return (input: Int16Array): number => {
    m.HEAP16.set(input, inPtr >> 1);
    m.HEAPU32[lengths >> 2] = input.length;
    m.HEAPU32[(lengths >> 2) + 1] = outCapacity;
    m._speex_resampler_process_int(state, 0, inPtr, lengths, outPtr, lengths + 4);
    return m.HEAPU32[(lengths >> 2) + 1];
  };
}

const meanNs = (bench: Bench, name: string) => (bench.getTask(name)!.result as { latency: { mean: number } }).latency.mean * 1e6;

export async function run(): Promise<void> {
  const clips = loadVadCorpus();
  const clip = clips[Math.min(5, clips.length - 1)];
  const mulaw = clip.ulaw8k.data;
  const frames = Array.from({ length: Math.floor(mulaw.length / 160) }, (_, i) => mulaw.slice(i * 160, (i + 1) * 160));
  const pcmFrames = frames.map((f) => decodeMulawRef(f));
  const dsp = getDsp();
  const src = dsp.alloc(160 * 2);
  const dst = dsp.alloc(160 * 2);
  let i = 0;
  const g711 = new Bench({ time: 1000, warmupTime: 200 });
  g711.add('decode wasm', () => { dsp.u8(src, 160).set(frames[i++ % frames.length]); dsp.exports.mulawDecode(src, dst, 160); });
  g711.add('decode plain-ts', () => { decodeMulawRef(frames[i++ % frames.length]); });
  g711.add('decode alawmulaw', () => { alawmulaw.mulaw.decode(frames[i++ % frames.length]); });
  g711.add('encode wasm', () => { dsp.i16(src, 160).set(pcmFrames[i++ % frames.length]); dsp.exports.mulawEncode(src, dst, 160); });
  g711.add('encode plain-ts', () => { encodeMulawRef(pcmFrames[i++ % frames.length]); });
  g711.add('encode alawmulaw', () => { alawmulaw.mulaw.encode(pcmFrames[i++ % frames.length]); });
  console.error('kernels: G.711…');
  await g711.run();
  const g711Rows: Row[] = ['decode', 'encode'].map((op) => {
    const wasm = meanNs(g711, `${op} wasm`);
    return {
      'mu-law, 160 samples': op, 'wasm ns': wasm, 'plain-ts ns': meanNs(g711, `${op} plain-ts`), 'alawmulaw ns': meanNs(g711, `${op} alawmulaw`),
      'plain-ts / wasm': meanNs(g711, `${op} plain-ts`) / wasm, 'alawmulaw / wasm': meanNs(g711, `${op} alawmulaw`) / wasm,
    };
  });

  const pcm16 = pcm16Samples(clip.pcm16k.data);
  const resampleRows: Row[] = [];
  for (const [fromHz, toHz] of [[16000, 8000], [8000, 16000], [48000, 8000]] as const) {
    const frameSamples = fromHz / 50;
    const source = fromHz === 16000 ? pcm16 : fromHz === 8000 ? pcmFrames.flatMap((f) => Array.from(f)) : new Resampler(16000, 48000).process(pcm16);
    const input = Int16Array.from(source as ArrayLike<number>);
    const chunks = Array.from({ length: Math.floor(input.length / frameSamples) }, (_, k) => input.slice(k * frameSamples, (k + 1) * frameSamples));
    const ours = new Resampler(fromHz, toHz);
    const reference = new ReferenceResampler(fromHz, toHz);
    const speex = await speexResampler(fromHz, toHz, frameSamples);
    let k = 0;
    const bench = new Bench({ time: 800, warmupTime: 200 });
    bench.add('invorto', () => { ours.process(chunks[k++ % chunks.length]); });
    bench.add('plain-ts', () => { reference.process(chunks[k++ % chunks.length]); });
    bench.add('speex q5', () => { speex(chunks[k++ % chunks.length]); });
    console.error(`kernels: resample ${fromHz} -> ${toHz}…`);
    await bench.run();
    const wasmNs = meanNs(bench, 'invorto');
    resampleRows.push({ 'resample 20 ms': `${fromHz} -> ${toHz} Hz`, 'wasm ns': wasmNs, 'plain-ts ns': meanNs(bench, 'plain-ts'), 'speex q5 ns': meanNs(bench, 'speex q5'), 'plain-ts / wasm': meanNs(bench, 'plain-ts') / wasmNs, 'speex / wasm': meanNs(bench, 'speex q5') / wasmNs });
    ours.dispose();
  }
  dsp.free(src);
  dsp.free(dst);
  const quality = soxSnrTable();
  writeReport('dsp-kernels', `dsp kernels per 20 ms frame (clip ${clip.name} of ${corpus.label})`, { g711: g711Rows, resample: resampleRows, quality }, {
    'G.711': g711Rows, Resampling: resampleRows, 'Resampler quality: SNR against sox on the corpus, passband ripple, stopband': quality,
  });
}
