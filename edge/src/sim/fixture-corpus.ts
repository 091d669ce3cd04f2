// The repository's own labelled test corpus, generated, so the tests and the quick start need nothing beside the
// repository: a few clips of speech in noise (Flite voices; white, pink, hum and babble noise) at 16 kHz PCM16 and
// 8 kHz mu-law, and a few RTP arrival traces (jitter, delay spikes, bursty loss, reordering, duplicates). Same
// formats and labels as ../shared/corpus (its README): `vad/NAME.json`, `vad/NAME.16k.wav`, `vad/NAME.ulaw8k.wav`,
// `vad/index.json`, `rtp/repo-PROFILE.csv`, `rtp/repo-profiles.json`. Everything is seeded: a run gives the same
// bytes every time. Labels come from the clean speech before any noise is added.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { noiseSamples, rmsDbfs, scaleToDbfs, toPcm16 } from '@invorto/dsp/noise.ts';
import { seededRandom } from '@invorto/dsp/seeded-random.ts';
import { syntheticTrace, type TraceProfile } from '@invorto/dsp/synthetic-trace.ts';
import { writeWav } from '@invorto/dsp/wav.ts';
import { fliteSpeech, toTelephone } from './flite-voice.ts';

const RATE_HZ = 16000;

export interface ClipSpec {
  name: string;
  /** A 16 kHz Flite voice. */
  voice: string;
  noise: 'white' | 'pink' | 'hum' | 'babble';
  snrDb: number;
  /** Speech level: the voice's own level times this. */
  inputGain: number;
  texts: string[];
  /** Silence before the first utterance, between utterances (one fewer than texts), and after the last (s). */
  leadS: number;
  pausesS: number[];
  tailS: number;
  seed: number;
}

export const CLIP_SPECS: readonly ClipSpec[] = [
  { name: 'repo-01-white-20db', voice: 'slt', noise: 'white', snrDb: 20, inputGain: 0.9, seed: 101, leadS: 0.8, pausesS: [1.2, 0.4, 1.0], tailS: 1.0,
    texts: ['Hello, I would like to book a table for two.', 'Yes.', 'Tomorrow evening at eight, if you can.', 'Thank you.'] },
  { name: 'repo-02-pink-10db', voice: 'rms', noise: 'pink', snrDb: 10, inputGain: 0.6, seed: 102, leadS: 0.6, pausesS: [0.9, 1.1, 0.3], tailS: 1.0,
    texts: ['Uh huh.', 'Could you tell me when my parcel will arrive?', 'It was sent last Monday.', 'Okay.'] },
  { name: 'repo-03-hum-5db', voice: 'awb', noise: 'hum', snrDb: 5, inputGain: 0.45, seed: 103, leadS: 0.7, pausesS: [0.8, 1.3, 0.5], tailS: 1.0,
    texts: ['I need to change my address, please.', 'No, the old one is wrong.', 'Twelve Park Road.', 'That is right.'] },
  { name: 'repo-04-babble-10db', voice: 'kal16', noise: 'babble', snrDb: 10, inputGain: 0.75, seed: 104, leadS: 1.2, pausesS: [1.0, 0.35, 0.9], tailS: 1.0,
    texts: ['What time do you open tomorrow?', 'Sorry, say that again?', 'And on Sunday?', 'Great, thanks.'] },
];

// The babble's talkers: sentences that are never a clip's own, each said in two voices.
const BABBLE_SENTENCES = [
  'The meeting moved to the third floor this afternoon.', 'I think the blue one looks better on you.',
  'We should leave before the traffic gets bad.', 'Have you seen the new menu at the corner cafe?',
  'My brother is flying in from Delhi on Friday.', 'Put the boxes by the door, we will take them later.',
];
const BABBLE_VOICES = ['awb', 'slt', 'rms', 'kal16'];

/** The frame rule of ../shared/corpus, which scores every clip here too. */
export const FRAME_RULE = 'a 10 ms frame is speech when at least half of it lies inside a speech segment';

/**
 * Where an utterance's speech lies in Flite's output (which pads it with silence): from the first to the last 10 ms
 * window within 40 dB of the loudest one. Pauses inside the utterance count as speech, as the corpus rules say.
 */
export function voicedExtent(pcm: Int16Array, sampleRateHz: number): [number, number] {
  const window = sampleRateHz / 100;
  const levels: number[] = [];
  for (let i = 0; i + window <= pcm.length; i += window) levels.push(rmsDbfs(pcm, i, i + window));
  const floor = Math.max(...levels) - 40;
  const first = levels.findIndex((db) => db > floor);
  const last = levels.length - 1 - [...levels].reverse().findIndex((db) => db > floor);
  return [first * window, (last + 1) * window];
}

/**
 * Babble as a busy room makes it: twelve talkers at once, each repeating a sentence without pause from a random
 * start, so the level stays steady (a few talkers would leave gaps a detector hears through).
 */
async function babbleBed(samples: number, seed: number): Promise<Float64Array> {
  const bed = new Float64Array(samples);
  const random = seededRandom(seed);
  for (const [k, text] of BABBLE_SENTENCES.entries()) {
    for (const voice of [BABBLE_VOICES[k % 4], BABBLE_VOICES[(k + 1) % 4]]) {
      const speech = await fliteSpeech(text, voice);
      const [from, to] = voicedExtent(speech.pcm, RATE_HZ);
      const pcm = speech.pcm.subarray(from, to);
      const offset = Math.floor(random() * pcm.length);
      for (let i = 0; i < samples; i++) bed[i] += pcm[(i + offset) % pcm.length];
    }
  }
  return bed;
}

export interface GeneratedClip {
  labels: Record<string, unknown>;
  /** WAV files: 16 kHz PCM16 and 8 kHz mu-law. */
  pcm16k: Uint8Array;
  ulaw8k: Uint8Array;
}

export async function makeClip(spec: ClipSpec): Promise<GeneratedClip> {
  if (spec.pausesS.length !== spec.texts.length - 1) throw new Error(`${spec.name}: ${spec.texts.length} texts need ${spec.texts.length - 1} pauses`);
  const parts: { pcm: Int16Array; at: number; extent: [number, number] }[] = [];
  let at = Math.round(spec.leadS * RATE_HZ);
  for (const [k, text] of spec.texts.entries()) {
    const speech = await fliteSpeech(text, spec.voice);
    if (speech.sampleRateHz !== RATE_HZ) throw new Error(`${spec.name}: voice ${spec.voice} speaks at ${speech.sampleRateHz} Hz; clips need a 16 kHz voice`);
    const extent = voicedExtent(speech.pcm, RATE_HZ);
    // The pause is between the voiced parts, not between Flite's padded outputs.
    at -= extent[0];
    parts.push({ pcm: speech.pcm, at, extent });
    at += extent[1] + Math.round((spec.pausesS[k] ?? spec.tailS) * RATE_HZ);
  }
  const total = at;
  const clean = new Float64Array(total);
  for (const part of parts) for (let i = 0; i < part.pcm.length; i++) if (part.at + i >= 0 && part.at + i < total) clean[part.at + i] += part.pcm[i] * spec.inputGain;
  const segments = parts.map((p) => [(p.at + p.extent[0]) / RATE_HZ, (p.at + p.extent[1]) / RATE_HZ].map((s) => Number(s.toFixed(3))) as [number, number]);
  // SNR against the active speech level: the speech's RMS over its labelled segments.
  let energy = 0, count = 0;
  for (const [a, b] of segments) for (let i = Math.round(a * RATE_HZ); i < Math.round(b * RATE_HZ); i++) { energy += clean[i] * clean[i]; count++; }
  const speechDbfs = 10 * Math.log10(energy / count / 32768 ** 2);
  const noise = spec.noise === 'babble'
    ? scaleToDbfs(await babbleBed(total, spec.seed), speechDbfs - spec.snrDb)
    : noiseSamples(spec.noise, total, RATE_HZ, speechDbfs - spec.snrDb, spec.seed);
  const pcm = toPcm16(clean.map((v, i) => v + noise[i]));
  const labels = {
    name: spec.name, voice: `flite-${spec.voice}`, noise: spec.noise, snr_db: spec.snrDb, input_gain: spec.inputGain,
    duration_s: Number((total / RATE_HZ).toFixed(3)), speech_segments: segments, texts: spec.texts,
  };
  return {
    labels,
    pcm16k: writeWav({ encoding: 'pcm16', sampleRateHz: RATE_HZ, data: new Uint8Array(pcm.buffer) }),
    ulaw8k: writeWav({ encoding: 'mulaw', sampleRateHz: 8000, data: toTelephone(pcm, RATE_HZ) }),
  };
}

/** The trace profiles of ../shared/corpus/rtp (its public-profiles.json), with this set's own seeds. */
export const TRACE_PROFILES: Readonly<Record<string, TraceProfile>> = {
  lan: { packets: 3000, baseMs: 5, jitterMs: 1.5, spikeP: 0, spikeMs: 0, lossEnterP: 0, lossBadP: 0, reorderP: 0, duplicateP: 0, seed: 201 },
  wifi: { packets: 3000, baseMs: 20, jitterMs: 12, spikeP: 0.004, spikeMs: 120, lossEnterP: 0.005, lossBadP: 0.3, reorderP: 0.01, duplicateP: 0.001, seed: 202 },
  mobile: { packets: 3000, baseMs: 60, jitterMs: 30, spikeP: 0.006, spikeMs: 250, lossEnterP: 0.01, lossBadP: 0.35, reorderP: 0.03, duplicateP: 0.002, seed: 203 },
  congested: { packets: 3000, baseMs: 80, jitterMs: 45, spikeP: 0.01, spikeMs: 300, lossEnterP: 0.03, lossBadP: 0.4, reorderP: 0.05, duplicateP: 0.005, seed: 204 },
};

export function makeTraceCsv(profile: TraceProfile): { csv: string; lost: number } {
  const rows = syntheticTrace(profile);
  const lost = rows.filter((r) => r.arrivalMs === null).length;
  const lines = rows.map((r) => `${r.seq},${r.rtpTs},${r.sendMs.toFixed(1)},${r.arrivalMs === null ? '' : r.arrivalMs}`);
  return { csv: `seq,rtp_ts,send_ms,arrival_ms\n${lines.join('\n')}\n`, lost };
}

const README = `# The repository's own test corpus (generated)

Made by \`node scripts/make-fixtures.mjs\` (run by \`npm run build\` when its inputs change) from the offline Flite
voices and seeded noise and network models: the same bytes on every run. Same formats and rules as
\`../shared/corpus\` (the larger labelled sets, used instead when they sit beside the repository).

## vad/: labelled speech in noise
${CLIP_SPECS.length} clips of four utterances (Flite voices slt, rms, awb, kal16; including backchannels such as "Yes." and "Uh huh.")
separated by 0.3-1.3 s of silence, mixed with white, pink, mains-hum or babble noise (twelve other Flite talkers) at 20, 10,
5 and 10 dB SNR against the active speech level.
- \`NAME.16k.wav\`: 16 kHz PCM16 mono. \`NAME.ulaw8k.wav\`: the same at 8 kHz G.711 mu-law (WAV format 7).
- \`NAME.json\`: \`speech_segments\` ([start_s, end_s] of each utterance, from the clean speech: the first to the last
  10 ms window within 40 dB of its loudest), \`texts\`, \`voice\`, \`noise\`, \`snr_db\`, \`input_gain\`, \`duration_s\`.
- Frame rule: ${FRAME_RULE}. A turn end: a segment end followed by at least 0.7 s of silence.

## rtp/: RTP arrival traces
Four 60 s traces of 20 ms packets with the parameters of \`../shared/corpus/rtp\` (lan, wifi, mobile, congested) and
their own seeds: Gaussian jitter, delay spikes that drain like a queue, Gilbert-Elliott bursty loss, reordering
and duplicates. CSV \`seq,rtp_ts,send_ms,arrival_ms\`, rows in arrival order, lost packets last with an empty
\`arrival_ms\`; \`repo-profiles.json\` holds each trace's parameters and loss count.
`;

/** Writes the whole corpus into `dir` (replacing what was there); returns the files and their total size. */
export async function writeFixtureCorpus(dir: string): Promise<{ files: number; bytes: number }> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'vad'), { recursive: true });
  mkdirSync(join(dir, 'rtp'), { recursive: true });
  let files = 0, bytes = 0;
  const write = (path: string, data: string | Uint8Array) => { writeFileSync(join(dir, path), data); files++; bytes += typeof data === 'string' ? Buffer.byteLength(data) : data.length; };
  write('README.md', README);
  for (const spec of CLIP_SPECS) {
    const clip = await makeClip(spec);
    write(`vad/${spec.name}.json`, `${JSON.stringify(clip.labels, null, 1)}\n`);
    write(`vad/${spec.name}.16k.wav`, clip.pcm16k);
    write(`vad/${spec.name}.ulaw8k.wav`, clip.ulaw8k);
  }
  write('vad/index.json', `${JSON.stringify({ frame_rule: FRAME_RULE, clips: CLIP_SPECS.map((s) => s.name) }, null, 1)}\n`);
  const profiles: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(TRACE_PROFILES)) {
    const { csv, lost } = makeTraceCsv(p);
    write(`rtp/repo-${name}.csv`, csv);
    profiles[name] = {
      packets: p.packets, lost,
      params: { base: p.baseMs, jitter: p.jitterMs, spike_p: p.spikeP, spike_ms: p.spikeMs, loss_gb: [p.lossEnterP, p.lossBadP], dup_p: p.duplicateP, reorder_p: p.reorderP, seed: p.seed },
    };
  }
  write('rtp/repo-profiles.json', `${JSON.stringify({ rows_sorted_by: 'arrival_ms (lost packets last)', ptime_ms: 20, clock_hz: 8000, profiles }, null, 1)}\n`);
  return { files, bytes };
}
