// The stereo recorder fed frames on a clock the test moves: where each channel's audio lands, what a clear and a
// pause leave on the right, the memory bound with spills to the file, a real ENOSPC, and a header sox accepts.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeMulaw, encodeMulaw } from '@invorto/dsp/g711.ts';
import { CallRecorder } from '../../src/recording/call-recorder.ts';
import { parseWav } from '../../src/recording/wav.ts';

const FRAME = 160;
let dir: string;
let clockMs: number;
const nowMs = () => clockMs;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'invorto-recorder-'));
  clockMs = 1000;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A 20 ms mu-law frame whose every sample is the code `k` (never 0xff, silence), so positions can be read back. */
const marked = (k: number) => new Uint8Array(FRAME).fill(k % 200);

function channels(file: string) {
  const bytes = readFileSync(file);
  const wav = parseWav(bytes);
  expect(bytes.length).toBe(wav.dataOffset + wav.dataBytes); // the file ends where its header says
  const data = bytes.subarray(wav.dataOffset, wav.dataOffset + wav.dataBytes);
  const left = new Uint8Array(data.length / 2);
  const right = new Uint8Array(data.length / 2);
  for (let i = 0; i < left.length; i++) {
    left[i] = data[2 * i];
    right[i] = data[2 * i + 1];
  }
  return { wav, left, right };
}

describe('CallRecorder', () => {
  it('puts the caller left and the agent right on the call clock; a clear cuts what the carrier had not played', async () => {
    const recorder = new CallRecorder({ encoding: 'mulaw', input: { encoding: 'mulaw', sampleRateHz: 8000 }, file: join(dir, 'a.wav'), nowMs });
    // 2 s of caller frames, one per 20 ms. The agent starts at 500 ms with a 60 ms lead (3 frames ahead), and at
    // 1000 ms the carrier is told to clear: the frames sent for 1000-1060 ms were never heard.
    let agentFrame = 0;
    for (let k = 0; k < 100; k++) {
      if (clockMs - 1000 === 500) for (let i = 0; i < 3; i++) recorder.agent(marked(100 + agentFrame++));
      else if (clockMs - 1000 > 500 && clockMs - 1000 <= 1000) recorder.agent(marked(100 + agentFrame++));
      if (clockMs - 1000 === 1000) recorder.clear();
      clockMs += 20;
      recorder.caller(marked(k + 1));
    }
    const done = await recorder.finish();
    expect(done).not.toBeNull();
    const { wav, left, right } = channels(done!.file);
    expect(wav).toMatchObject({ encoding: 'mulaw', channels: 2, sampleRateHz: 8000 });
    expect(left.length).toBe(100 * FRAME);
    // Each caller frame arrived at the end of its 20 ms: frame k+1 occupies [k*20, k*20+20) ms.
    for (const k of [0, 37, 99]) expect([...left.subarray(k * FRAME, (k + 1) * FRAME)]).toEqual([...marked(k + 1)]);
    // The agent: nothing before 500 ms, frames 100, 101… from 500 ms, silence from the clear at 1000 ms.
    expect(right.subarray(0, 4000).every((b) => b === 0xff)).toBe(true);
    for (let f = 0; f < 25; f++) expect(right[4000 + f * FRAME + 5]).toBe(100 + f);
    expect(right.subarray(8000).every((b) => b === 0xff)).toBe(true);
    expect(agentFrame).toBeGreaterThan(25); // frames were sent past the clear, and none of them is in the file
  });

  it('leaves silence on the right while the agent is paused and places the resumed audio when it was played', async () => {
    const recorder = new CallRecorder({ encoding: 'pcm16', input: { encoding: 'mulaw', sampleRateHz: 8000 }, file: join(dir, 'b.wav'), nowMs });
    const tone = encodeMulaw(Int16Array.from({ length: FRAME }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * i) / 16))));
    for (let k = 0; k < 75; k++) {
      const t = clockMs - 1000;
      if (t < 400 || (t >= 1000 && t < 1200)) recorder.agent(tone);
      if (t === 400) recorder.clear(); // paused: clear, then nothing sent until 1000 ms
      recorder.caller(new Uint8Array(FRAME).fill(0xff));
      clockMs += 20;
    }
    const done = await recorder.finish();
    const bytes = readFileSync(done!.file);
    const wav = parseWav(bytes);
    expect(wav).toMatchObject({ encoding: 'pcm16', channels: 2 });
    const samples = new Int16Array(bytes.buffer.slice(bytes.byteOffset + wav.dataOffset, bytes.byteOffset + wav.dataOffset + wav.dataBytes));
    const rightRms = (fromMs: number, toMs: number) => {
      let sum = 0;
      for (let i = fromMs * 8; i < toMs * 8; i++) sum += samples[2 * i + 1] ** 2;
      return Math.sqrt(sum / ((toMs - fromMs) * 8));
    };
    expect(rightRms(0, 400)).toBeGreaterThan(5000);
    expect(rightRms(400, 1000)).toBe(0);
    expect(rightRms(1000, 1200)).toBeGreaterThan(5000);
    expect(rightRms(1200, 1500)).toBe(0);
    expect([...samples.subarray(0, 2 * 3200).filter((_, i) => i % 2 === 0)].every((v) => Math.abs(v) <= 8)).toBe(true); // caller: mu-law silence
    expect(decodeMulaw(tone)[4]).toBe(samples[2 * 4 + 1]);
  });

  it('holds a bounded amount in memory for a long call, writing sealed audio to its file in large blocks', async () => {
    const spillAtBytes = 65_536;
    const recorder = new CallRecorder({ encoding: 'mulaw', input: { encoding: 'mulaw', sampleRateHz: 8000 }, file: join(dir, 'c.wav'), nowMs, spillAtBytes });
    let maxHeld = 0;
    const seconds = 120;
    for (let s = 0; s < seconds; s++) {
      for (let f = 0; f < 50; f++) {
        clockMs += 20;
        recorder.caller(marked(s * 50 + f));
        recorder.agent(marked(7));
        maxHeld = Math.max(maxHeld, recorder.heldBytes);
      }
      // A disk that keeps up: the second's writes (on libuv's threads) complete before the next second comes.
      while (recorder.heldBytes > spillAtBytes + 3 * 16_384) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(recorder.stopped).toBeNull();
    // Sealed audio up to the spill bound, plus the live second or two and one write in flight.
    expect(maxHeld).toBeLessThanOrEqual(2 * spillAtBytes + 4 * 16_384);
    const done = await recorder.finish();
    expect(done!.bytes).toBe(58 + seconds * 16_000);
    const { left, right } = channels(done!.file);
    expect(left.length).toBe(seconds * 8000);
    for (const k of [0, 4321, seconds * 50 - 1]) expect(left[k * FRAME + 80]).toBe(k % 200);
    expect(right.subarray(FRAME, right.length - FRAME).every((b) => b === 7)).toBe(true);
  });

  it('stops with a reason, once, when the disk is too slow to keep memory bounded', async () => {
    const reasons: string[] = [];
    const recorder = new CallRecorder({ encoding: 'mulaw', input: { encoding: 'mulaw', sampleRateHz: 8000 }, file: join(dir, 'd.wav'), nowMs, spillAtBytes: 32_768, onStopped: (r) => reasons.push(r) });
    // 30 s fed without yielding to the event loop: no write can complete, so the held audio passes the bound.
    for (let f = 0; f < 1500; f++) {
      clockMs += 20;
      recorder.caller(marked(f));
    }
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/the disk is too slow: \d+ bytes of audio waiting/);
    expect(recorder.heldBytes).toBeLessThanOrEqual(4 * 32_768 + 3 * 16_384);
    expect(await recorder.finish()).toBeNull();
  });

  it('stops on a full disk (a real ENOSPC: its file is /dev/full) with the reason, and takes frames quietly after', async () => {
    const file = join(dir, 'full.wav');
    symlinkSync('/dev/full', file); // writes through the link get the kernel's ENOSPC; removing it removes the link
    const reasons: string[] = [];
    const recorder = new CallRecorder({ encoding: 'mulaw', input: { encoding: 'mulaw', sampleRateHz: 8000 }, file, nowMs, spillAtBytes: 16_384, onStopped: (r) => reasons.push(r) });
    for (let s = 0; s < 10; s++) {
      for (let f = 0; f < 50; f++) {
        clockMs += 20;
        recorder.caller(marked(f));
        recorder.agent(marked(f));
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    for (let waited = 0; !recorder.stopped && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(reasons).toEqual([`the disk is full (ENOSPC) writing ${file}`]);
    expect(recorder.stopped).toBe(reasons[0]);
    expect(recorder.heldBytes).toBe(0);
    expect(await recorder.finish()).toBeNull();
    expect(existsSync(file)).toBe(false); // the link went with the recording
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true); // and only the link
  });

  it('writes a header sox reads as 2-channel mu-law and PCM16 of the right length', async () => {
    for (const encoding of ['mulaw', 'pcm16'] as const) {
      clockMs = 1000;
      const recorder = new CallRecorder({ encoding, input: { encoding: 'mulaw', sampleRateHz: 8000 }, file: join(dir, `${encoding}.wav`), nowMs });
      for (let f = 0; f < 150; f++) {
        clockMs += 20;
        recorder.caller(marked(f));
      }
      const done = await recorder.finish();
      const info = execFileSync('soxi', [done!.file], { encoding: 'utf8' });
      expect(info).toMatch(/Channels\s*: 2/);
      expect(info).toMatch(/Sample Rate\s*: 8000/);
      expect(info).toMatch(/Duration\s*: 00:00:03.00 = 24000 samples/);
      expect(info).toMatch(encoding === 'mulaw' ? /u-law/ : /16-bit Signed Integer PCM/);
    }
  });
});
