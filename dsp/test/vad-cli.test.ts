import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpus, corpusDir, emptyScore, f1, loadVadCorpus, scoreClip } from '../src/corpus.ts';
import { analyseWav } from '../src/vad-file.ts';
import { writeWav } from '../src/wav.ts';

const root = new URL('../..', import.meta.url).pathname;
const vad = (file: string) => spawnSync(process.execPath, ['bin/invorto.js', 'vad', file], { cwd: root, encoding: 'utf8' });
// The whole-corpus floor: on ../shared/corpus, WebRTC VAD's F1 there (its README: 0.918); on the repository's own
// set, which has no peer measured on it, the per-clip floor of the first test.
const corpusF1Floor = corpus.kind === 'shared' ? { f1: 0.918, what: 'WebRTC VAD\'s F1 on ../shared/corpus (0.918)' } : { f1: 0.85, what: 'F1 0.85 on the repository\'s own set' };

describe('invorto vad', () => {
  it('prints one decision per 10 ms and the end-of-turn times, for 8 kHz mu-law and 16 kHz PCM', () => {
    const clip = loadVadCorpus()[1];
    for (const suffix of ['ulaw8k', '16k']) {
      const out = JSON.parse(execFileSync(process.execPath, ['bin/invorto.js', 'vad', `${corpusDir}/vad/${clip.name}.${suffix}.wav`], { cwd: root, encoding: 'utf8' }));
      expect(out.frame_ms).toBe(10);
      expect(out.speech).toMatch(/^[01]+$/);
      expect(out.speech.length).toBe(Math.ceil(clip.durationS * 100));
      expect(out.endpoints_s.length).toBeGreaterThan(0);
      const score = scoreClip(clip, [...out.speech].map((c: string) => c === '1'), out.endpoints_s, emptyScore());
      expect(f1(score), suffix).toBeGreaterThan(0.85);
    }
  });

  it('refuses what it cannot read, with the reason', () => {
    const dir = mkdtempSync(join(tmpdir(), 'invorto-vad-'));
    try {
      writeFileSync(join(dir, 'stereo.wav'), writeWav({ encoding: 'pcm16', sampleRateHz: 16000, channels: 2, data: new Uint8Array(6400) }));
      writeFileSync(join(dir, 'cd.wav'), writeWav({ encoding: 'pcm16', sampleRateHz: 44100, data: new Uint8Array(8820) }));
      writeFileSync(join(dir, 'text.wav'), 'not a wav');
      expect(vad(join(dir, 'stereo.wav')).stderr).toMatch(/2 channels; use a mono WAV/);
      expect(vad(join(dir, 'cd.wav')).stderr).toMatch(/44100 Hz/);
      expect(vad(join(dir, 'text.wav')).stderr).toMatch(/not a RIFF\/WAVE file/);
      expect(vad(join(dir, 'missing.wav')).status).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(`scores above ${corpusF1Floor.what} over the whole corpus, at 8 and 16 kHz`, () => {
    const score = emptyScore();
    const clips = loadVadCorpus();
    for (const clip of clips) {
      for (const wav of [clip.ulaw8k, clip.pcm16k]) {
        const out = analyseWav(writeWav(wav), clip.name);
        scoreClip(clip, [...out.speech].map((c) => c === '1'), out.endpoints_s, score);
      }
    }
    console.log(`VAD on ${corpus.label}: ${clips.length} clips, frame F1 ${f1(score).toFixed(3)}, ${score.prematureCutoffs} premature cut-offs, ${score.missedTurnEnds}/${score.turnEnds} turn ends missed`);
    expect(f1(score)).toBeGreaterThan(corpusF1Floor.f1);
    expect(score.prematureCutoffs).toBeLessThanOrEqual(4);
  });
});
