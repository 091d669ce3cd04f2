// VAD and end-of-turn accuracy on the labelled corpus: Invorto's WASM chain against WebRTC VAD (mode 3) and Silero v5,
// with one scorer (the corpus README's rules) and the CPU each spends per 10 ms of audio.
import { alawmulaw } from './g711-peer.ts';
import { corpus, emptyScore, f1, loadVadCorpus, quantile, scoreClip, type VadScore } from '@invorto/dsp/corpus.ts';
import { pcm16Samples } from '@invorto/dsp/wav.ts';
import { analyseWav } from '@invorto/dsp/vad-file.ts';
import { writeWav } from '@invorto/dsp/wav.ts';
import { progress, writeReport, type Row } from '../report.ts';
import { runSilero, runWebRtcVad, silenceEndpoints } from './vad-peers.ts';

type Detector = 'invorto' | 'webrtc-mode3' | 'silero-v5';

function summarise(name: string, input: string, score: VadScore, cpuMs: number, audioS: number): Row {
  const precision = score.tp / Math.max(1, score.tp + score.fp);
  const recall = score.tp / Math.max(1, score.tp + score.fn);
  return {
    vad: name, input, f1: f1(score), precision, recall,
    'false alarm rate': score.fp / Math.max(1, score.fp + score.tn),
    'missed turn ends': `${score.missedTurnEnds}/${score.turnEnds}`,
    'premature cut-offs': score.prematureCutoffs,
    'EoT latency p50 ms': quantile(score.endOfTurnLatenciesS, 0.5) * 1000,
    'EoT latency p95 ms': quantile(score.endOfTurnLatenciesS, 0.95) * 1000,
    'CPU µs per 10 ms': (cpuMs * 1000) / (audioS * 100),
  };
}

export async function run(): Promise<void> {
  const clips = loadVadCorpus();
  console.error(`vad accuracy on ${clips.length} clips of ${corpus.label}`);
  const rows: Row[] = [];
  const data: Record<string, unknown> = { corpus: { kind: corpus.kind, dir: corpus.dir, clips: clips.length } };
  const steps = clips.length * 2;
  let done = 0;
  for (const input of ['8 kHz mu-law', '16 kHz PCM16'] as const) {
    const scores: Record<Detector, VadScore> = { invorto: emptyScore(), 'webrtc-mode3': emptyScore(), 'silero-v5': emptyScore() };
    const cpu: Record<Detector, number> = { invorto: 0, 'webrtc-mode3': 0, 'silero-v5': 0 };
    let audioS = 0;
    for (const clip of clips) {
      const wav = input === '8 kHz mu-law' ? clip.ulaw8k : clip.pcm16k;
      const rate = wav.sampleRateHz as 8000 | 16000;
      const pcm = input === '8 kHz mu-law' ? alawmulaw.mulaw.decode(wav.data) : pcm16Samples(wav.data);
      audioS += pcm.length / rate;
      const started = process.cpuUsage();
      const ours = analyseWav(writeWav(wav), clip.name);
      const used = process.cpuUsage(started);
      cpu.invorto += (used.user + used.system) / 1000;
      scoreClip(clip, [...ours.speech].map((c) => c === '1'), ours.endpoints_s, scores.invorto);
      for (const [name, runPeer] of [['webrtc-mode3', () => runWebRtcVad(pcm, rate)], ['silero-v5', () => runSilero(pcm, rate)]] as const) {
        const result = await runPeer();
        cpu[name] += result.cpuMs;
        scoreClip(clip, result.speech, silenceEndpoints(result.speech, 800), scores[name]);
      }
      progress(`vad ${input}`, ++done, steps);
    }
    for (const name of Object.keys(scores) as Detector[]) {
      rows.push(summarise(name, input, scores[name], cpu[name], audioS));
      data[`${name} ${input}`] = { f1: f1(scores[name]), ...scores[name], cpuMs: cpu[name], audioS };
    }
  }
  writeReport('dsp-vad-accuracy', `VAD and end-of-turn accuracy on ${clips.length} clips of ${corpus.label}`, data, {
    'Frame accuracy (10 ms frames), turn ends (≥ 0.7 s pauses), CPU': rows,
  });
}
