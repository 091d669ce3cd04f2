// The labelled VAD corpus (../shared/corpus/vad): clips, their speech segments, and the corpus README's scoring rules.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWav, type WavAudio } from './wav.ts';

export const corpusDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/corpus');

export interface LabelledClip {
  name: string;
  /** [start_s, end_s] of each utterance; pauses inside an utterance count as speech. */
  segments: [number, number][];
  durationS: number;
  texts: string[];
  noise: string;
  snrDb: number;
  ulaw8k: WavAudio;
  pcm16k: WavAudio;
}

export function loadVadCorpus(dir = join(corpusDir, 'vad')): LabelledClip[] {
  if (!existsSync(dir)) throw new Error(`VAD corpus not found at ${dir}: it lives in ../shared/corpus beside the repository`);
  return readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'index.json').sort().map((file) => {
    const name = file.replace(/\.json$/, '');
    const meta = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    return {
      name,
      segments: meta.speech_segments,
      durationS: meta.duration_s,
      texts: meta.texts ?? [],
      noise: meta.noise,
      snrDb: meta.snr_db,
      ulaw8k: readWav(readFileSync(join(dir, `${name}.ulaw8k.wav`))),
      pcm16k: readWav(readFileSync(join(dir, `${name}.16k.wav`))),
    };
  });
}

/** The corpus frame rule: a 10 ms frame is speech when at least half of it lies inside a speech segment. */
export function truthFrames(segments: [number, number][], frames: number): boolean[] {
  return Array.from({ length: frames }, (_, i) => {
    const start = i * 0.01;
    return segments.some(([a, b]) => Math.min(b, start + 0.01) - Math.max(a, start) >= 0.005 - 1e-9);
  });
}

export interface VadScore {
  tp: number; fp: number; fn: number; tn: number;
  turnEnds: number; missedTurnEnds: number; prematureCutoffs: number;
  /** Seconds from each segment end to the end-of-turn declared after it (found turn ends only). */
  endOfTurnLatenciesS: number[];
}

export function emptyScore(): VadScore {
  return { tp: 0, fp: 0, fn: 0, tn: 0, turnEnds: 0, missedTurnEnds: 0, prematureCutoffs: 0, endOfTurnLatenciesS: [] };
}

/** Scores one clip: frame decisions (10 ms) and declared end-of-turn times against the labels. */
export function scoreClip(clip: Pick<LabelledClip, 'segments' | 'durationS'>, speech: boolean[], endpointsS: number[], into = emptyScore()): VadScore {
  const truth = truthFrames(clip.segments, speech.length);
  speech.forEach((s, i) => {
    if (s && truth[i]) into.tp++;
    else if (s) into.fp++;
    else if (truth[i]) into.fn++;
    else into.tn++;
  });
  // A turn end: a segment end followed by at least 0.7 s of silence. An end declared inside a segment: a cut-off.
  clip.segments.forEach(([, end], k) => {
    const next = clip.segments[k + 1]?.[0] ?? clip.durationS;
    if (next - end < 0.7) return;
    into.turnEnds++;
    const declared = endpointsS.find((t) => t >= end && t <= next);
    if (declared === undefined) into.missedTurnEnds++;
    else into.endOfTurnLatenciesS.push(declared - end);
  });
  for (const t of endpointsS) if (clip.segments.some(([a, b]) => t > a && t < b)) into.prematureCutoffs++;
  return into;
}

export function f1(score: VadScore): number {
  return (2 * score.tp) / Math.max(1, 2 * score.tp + score.fp + score.fn);
}

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
