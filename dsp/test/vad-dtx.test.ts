// A mobile line with discontinuous transmission: digital silence between utterances, a low noise bed only while the
// caller talks. Digital silence must not teach the VAD its noise floor, or the bed's return reads as speech (the
// "voice-to-voice latency" issue: 0.8-1.1 s of -55 dBFS noise called speech, a cough counted as 1.5 s of speech).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadVadCorpus } from '../src/corpus.ts';
import { encodeMulaw } from '../src/g711.ts';
import { noiseSamples, toPcm16, type NoiseKind } from '../src/noise.ts';
import { InboundChain } from '../src/inbound-chain.ts';
import { ReferenceInboundChain } from '../src/reference/chain.ts';
import { analyseWav } from '../src/vad-file.ts';
import { writeWav } from '../src/wav.ts';

const root = new URL('../..', import.meta.url).pathname;
const MULAW_SILENCE = 0xff;

function pcmWav(samples: ArrayLike<number>, sampleRateHz: number): Uint8Array {
  return writeWav({ encoding: 'pcm16', sampleRateHz, data: new Uint8Array(toPcm16(samples).buffer) });
}

/** 1 s of digital silence, 2 s of noise at -55 dBFS, 1 s of digital silence. */
function dtxNoiseFile(kind: NoiseKind, sampleRateHz: number): Uint8Array {
  const samples = new Float64Array(4 * sampleRateHz);
  samples.set(noiseSamples(kind, 2 * sampleRateHz, sampleRateHz, -55, 3), sampleRateHz);
  return pcmWav(samples, sampleRateHz);
}

const seconds = (speech: string) => [...speech].filter((c) => c === '1').length / 100;

describe('VAD on a line with discontinuous transmission', () => {
  it('`invorto vad` calls none of a -55 dBFS noise bed that follows digital silence (8 kHz white noise)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'invorto-dtx-'));
    try {
      const file = join(dir, 'dtx.wav');
      writeFileSync(file, dtxNoiseFile('white', 8000));
      const run = spawnSync(process.execPath, ['bin/invorto.js', 'vad', file], { cwd: root, encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      const out = JSON.parse(run.stdout);
      expect(out.speech.length).toBe(400);
      expect(seconds(out.speech)).toBe(0);
      expect(out.endpoints_s).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([['white', 16000], ['pink', 8000], ['pink', 16000]] as const)('calls none of the %s bed at %i Hz', (kind, rate) => {
    expect(seconds(analyseWav(dtxNoiseFile(kind, rate), kind).speech)).toBe(0);
  });

  it('does not call the bed speech when it returns mid-call, after speech and digital silence', () => {
    const rate = 8000;
    const bed = noiseSamples('white', 5 * rate, rate, -55, 5);
    const samples = new Float64Array(5 * rate);
    // 0-0.6 s: the bed with a 0.3 s voiced burst; 0.6-2 s digital silence; 2-4 s the bed alone; then silence.
    for (let i = 0; i < 0.6 * rate; i++) {
      const voiced = i > 0.1 * rate && i < 0.4 * rate ? 3000 * Math.sin(2 * Math.PI * 300 * i / rate) * (1 + Math.sin(2 * Math.PI * 4 * i / rate)) : 0;
      samples[i] = bed[i] + voiced;
    }
    for (let i = 2 * rate; i < 4 * rate; i++) samples[i] = bed[i];
    const out = analyseWav(pcmWav(samples, rate), 'mid-call');
    expect(seconds(out.speech.slice(0, 60))).toBeGreaterThan(0.25);
    expect(seconds(out.speech.slice(200, 400))).toBe(0);
  });

  it('still hears corpus speech that starts right after digital silence within 40 ms, at 8 kHz mu-law and 16 kHz', () => {
    const delaysMs: number[] = [];
    for (const clip of loadVadCorpus().slice(0, 6)) {
      const [start, end] = clip.segments[0];
      // The handset opens transmission with the talker: the noise bed and the first word arrive together.
      const ulaw = clip.ulaw8k.data.slice(Math.floor(start * 8000), Math.floor(end * 8000));
      const withSilence = new Uint8Array(16000 + ulaw.length).fill(MULAW_SILENCE);
      withSilence.set(ulaw, 8000);
      const pcm = new Int16Array(clip.pcm16k.data.slice().buffer).slice(Math.floor(start * 16000), Math.floor(end * 16000));
      const pcmWithSilence = new Float64Array(32000 + pcm.length);
      pcmWithSilence.set(pcm, 16000);
      for (const wav of [writeWav({ encoding: 'mulaw', sampleRateHz: 8000, data: withSilence }), pcmWav(pcmWithSilence, 16000)]) {
        const out = analyseWav(wav, clip.name);
        expect(seconds(out.speech.slice(0, 100)), clip.name).toBe(0);
        const onset = out.speech.indexOf('1', 100);
        delaysMs.push(onset < 0 ? Infinity : (onset - 100) * 10);
      }
    }
    expect(Math.max(...delaysMs), JSON.stringify(delaysMs)).toBeLessThanOrEqual(40);
  });

  it('the plain-TS reference chain agrees with the WASM one on DTX audio, barge-in included', () => {
    const clip = loadVadCorpus()[0];
    const speech = clip.ulaw8k.data.slice(Math.floor(clip.segments[0][0] * 8000));
    const data = new Uint8Array([...new Uint8Array(8000).fill(MULAW_SILENCE), ...encodeMulaw(toPcm16(noiseSamples('white', 16000, 8000, -55, 9))), ...new Uint8Array(8000).fill(MULAW_SILENCE), ...speech]);
    const wasm = new InboundChain({ codec: 'mulaw', sampleRateHz: 8000 });
    const reference = new ReferenceInboundChain({ codec: 'mulaw', sampleRateHz: 8000 });
    wasm.setAgentSpeaking(true);
    reference.setAgentSpeaking(true);
    let speechFrames = 0, bargeIns = 0;
    try {
      for (let at = 0; at + 160 <= data.length; at += 160) {
        const frame = data.subarray(at, at + 160);
        const [a] = wasm.process(frame);
        const b = reference.processFrame(frame);
        expect([a.isSpeech, a.bargeIn, a.backchannel, a.endOfTurn], `frame ${at / 160}`).toEqual([b.isSpeech, b.bargeIn, b.backchannel, b.endOfTurn]);
        if (a.isSpeech) speechFrames++;
        if (a.bargeIn) bargeIns++;
      }
    } finally {
      wasm.dispose();
    }
    expect(speechFrames).toBeGreaterThan(0);
    expect(bargeIns).toBe(1);
  });
});
