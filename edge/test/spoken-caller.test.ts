// What `invorto call --say` sends: Flite sentences after a pause and with gaps, and a steady line-noise bed.
import { describe, expect, it } from 'vitest';
import { NOISE_KINDS } from '@invorto/dsp/noise.ts';
import { firstVoicedMs, lastVoicedEndMs, mulawRmsDbfs } from '../src/sim/caller-sounds.ts';
import { FLITE_VOICES } from '../src/sim/flite-voice.ts';
import { lineNoiseFrames, spokenCaller } from '../src/sim/spoken-caller.ts';

describe('spoken caller', () => {
  it('says each sentence after the pause, with the gap between them, in the voice asked for', async () => {
    const { frames, utterances } = await spokenCaller({ texts: ['What time do you open tomorrow?', 'And on Sunday?'], voice: 'slt', pauseMs: 1000, gapMs: 3000 });
    expect(utterances.map((u) => u.text)).toEqual(['What time do you open tomorrow?', 'And on Sunday?']);
    expect(utterances[0].startMs).toBe(1000);
    expect(utterances[1].startMs - utterances[0].endMs).toBe(3000);
    expect(frames.length * 20).toBe(utterances[1].endMs);
    // Digital silence around the speech, speech inside each sentence.
    expect(frames.slice(0, 50).every((f) => f.every((b) => b === 0xff))).toBe(true);
    const first = frames.slice(utterances[0].startMs / 20, utterances[0].endMs / 20);
    expect(firstVoicedMs(first)).toBeGreaterThanOrEqual(0);
    expect(mulawRmsDbfs(Buffer.concat(first))).toBeGreaterThan(-35);
    expect(lastVoicedEndMs(frames.slice(0, utterances[1].startMs / 20))).toBeLessThanOrEqual(utterances[0].endMs);
    // Another voice says it differently.
    const kal = await spokenCaller({ texts: ['What time do you open tomorrow?'], voice: 'kal' });
    expect(Buffer.concat(kal.frames).equals(Buffer.concat(first))).toBe(false);
  });

  it('refuses a voice Flite does not have, naming the ones it has', async () => {
    await expect(spokenCaller({ texts: ['Hello.'], voice: 'nobody' })).rejects.toThrow(new RegExp(`no Flite voice "nobody" \\(have: ${Object.keys(FLITE_VOICES).join(', ')}\\)`));
  });

  it('makes a steady noise bed of each kind at the level asked for, the same for the same seed', () => {
    for (const kind of NOISE_KINDS) {
      const bed = lineNoiseFrames(kind, -45, 2);
      expect(bed).toHaveLength(100);
      expect(mulawRmsDbfs(Buffer.concat(bed)), kind).toBeCloseTo(-45, 0);
      // Steady: every half second within 2 dB of the whole.
      for (let i = 0; i < 100; i += 25) expect(Math.abs(mulawRmsDbfs(Buffer.concat(bed.slice(i, i + 25))) + 45), `${kind} at ${i * 20} ms`).toBeLessThan(2);
      expect(Buffer.concat(lineNoiseFrames(kind, -45, 2)).equals(Buffer.concat(bed))).toBe(true);
    }
  });
});
