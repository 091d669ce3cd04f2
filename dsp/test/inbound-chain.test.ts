import { describe, expect, it } from 'vitest';
import { encodeMulaw } from '../src/g711.ts';
import { InboundChain } from '../src/inbound-chain.ts';
import { getDsp } from '../src/wasm.ts';

const tone = (hz: number, ms: number, amplitude: number) =>
  Int16Array.from({ length: (8000 * ms) / 1000 }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / 8000)));
const silence = (ms: number) => new Int16Array((8000 * ms) / 1000);
const concat = (...parts: Int16Array[]) => { const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0)); let o = 0; for (const p of parts) { out.set(p, o); o += p.length; } return out; };
/** Speech-like: a 150 Hz buzz with formants, amplitude-modulated at 4 Hz like syllables. */
const speechLike = (ms: number, amplitude = 8000) => Int16Array.from({ length: (8000 * ms) / 1000 }, (_, i) => {
  const t = i / 8000;
  return Math.round(amplitude * (0.6 + 0.4 * Math.sin(2 * Math.PI * 4 * t)) * (0.5 * Math.sin(2 * Math.PI * 150 * t) + 0.3 * Math.sin(2 * Math.PI * 700 * t) + 0.2 * Math.sin(2 * Math.PI * 1400 * t)));
});

describe('InboundChain', () => {
  it('reports one analysis per 20 ms whatever the payload sizes, with a known RMS for a sine', () => {
    const chain = new InboundChain({ codec: 'mulaw', sampleRateHz: 8000 });
    const audio = encodeMulaw(tone(1000, 200, 16384));
    const sizes = [1, 159, 7, 333, 100];
    const results = [];
    for (let offset = 0, i = 0; offset < audio.length; i++) {
      const size = sizes[i % sizes.length];
      results.push(...chain.process(audio.subarray(offset, offset + size)));
      offset += size;
    }
    expect(results).toHaveLength(10);
    // A half-scale sine: RMS = 16384 / sqrt(2) -> -9.03 dBFS (G.711 adds well under 0.1 dB)
    for (const r of results) expect(r.rmsDbfs).toBeCloseTo(-9.03, 1);
    expect(chain.process(new Uint8Array(0))).toEqual([]);
    chain.dispose();
  });

  it('analyse() gives what process() gives, frame for frame, in objects it reuses instead of allocating', () => {
    const audio = encodeMulaw(concat(silence(400), speechLike(800), silence(1200)));
    const copying = new InboundChain({ codec: 'mulaw', sampleRateHz: 8000 });
    const reusing = new InboundChain({ codec: 'mulaw', sampleRateHz: 8000 });
    const sizes = [160, 160, 320, 57, 263, 160];
    let first: unknown = null;
    let frames = 0;
    for (let offset = 0, i = 0; offset < audio.length; i++) {
      const payload = audio.subarray(offset, offset + sizes[i % sizes.length]);
      const expected = copying.process(payload);
      const got = reusing.analyse(payload);
      expect(got.map((a) => ({ ...a, speech10ms: [...a.speech10ms] }))).toEqual(expected);
      if (got.length) first ??= got[0];
      if (got.length) expect(got[0]).toBe(first);
      frames += got.length;
      offset += payload.length;
    }
    expect(frames).toBe(120);
    copying.dispose();
    reusing.dispose();
  });

  it('finds speech onset and offset, then declares one end of turn after the silence', () => {
    const chain = new InboundChain({ codec: 'mulaw', sampleRateHz: 8000, silenceMs: 600, eagerness: 0.5 });
    const audio = encodeMulaw(concat(silence(1000), speechLike(1200), silence(2000)));
    const frames = chain.process(audio);
    const at = (predicate: (f: (typeof frames)[number]) => boolean) => frames.findIndex(predicate) * 20;
    expect(at((f) => f.speechStarted)).toBeGreaterThanOrEqual(1000);
    expect(at((f) => f.speechStarted)).toBeLessThan(1100);
    expect(at((f) => f.speechEnded)).toBeGreaterThanOrEqual(2200);
    const endOfTurn = frames.filter((f) => f.endOfTurn);
    expect(endOfTurn).toHaveLength(1);
    expect(at((f) => f.endOfTurn)).toBeGreaterThan(2200 + 500);
    expect(at((f) => f.endOfTurn)).toBeLessThan(2200 + 1200);
    chain.dispose();
  });

  it('does not end the turn inside a short pause', () => {
    const chain = new InboundChain({ codec: 'mulaw', sampleRateHz: 8000, silenceMs: 600 });
    const frames = chain.process(encodeMulaw(concat(silence(500), speechLike(800), silence(350), speechLike(800), silence(1500))));
    const turnEnds = frames.map((f, i) => (f.endOfTurn ? i * 20 : -1)).filter((t) => t >= 0);
    expect(turnEnds).toHaveLength(1);
    expect(turnEnds[0]).toBeGreaterThan(500 + 800 + 350 + 800);
    chain.dispose();
  });

  it('adapts to the caller\'s pauses: after a long mid-turn pause, the next one of that length does not end the turn', () => {
    const turnEndsAfter = (audio: Int16Array) => {
      const chain = new InboundChain({ codec: 'mulaw', sampleRateHz: 8000, silenceMs: 600, eagerness: 0.5 });
      const ends = chain.process(encodeMulaw(audio)).map((f, i) => (f.endOfTurn ? i * 20 : -1)).filter((t) => t >= 0);
      chain.dispose();
      return ends;
    };
    // A fresh caller: a 680 ms pause ends the turn (the base wait is 600 ms of silence)…
    expect(turnEndsAfter(concat(silence(300), speechLike(800), silence(680), speechLike(600), silence(2000)))).toHaveLength(2);
    // …but a caller who was cut off after a 750 ms pause and carried on gets a longer wait: 680 ms no longer ends it.
    const ends = turnEndsAfter(concat(silence(300), speechLike(800), silence(750), speechLike(800), silence(680), speechLike(600), silence(2500)));
    expect(ends).toHaveLength(2);
    expect(ends[1]).toBeGreaterThan(300 + 800 + 750 + 800 + 680 + 600);
  });

  it('flags a short burst while the agent talks as a backchannel, not a barge-in (a loud one confirms after 60 ms)', () => {
    for (const [ms, bargeIn] of [[40, false], [60, true]] as const) {
      const chain = new InboundChain({ codec: 'mulaw', sampleRateHz: 8000 });
      chain.process(encodeMulaw(silence(500)));
      chain.setAgentSpeaking(true);
      const frames = chain.process(encodeMulaw(concat(speechLike(ms, 10000), silence(400))));
      expect(frames.some((f) => f.bargeIn), `${ms} ms`).toBe(bargeIn);
      if (!bargeIn) expect(frames.some((f) => f.backchannel), `${ms} ms`).toBe(true);
      chain.dispose();
    }
  });

  it('learns a steady noise floor: mains hum alone is not speech', () => {
    const chain = new InboundChain({ codec: 'mulaw', sampleRateHz: 8000 });
    const hum = Int16Array.from({ length: 8000 * 3 }, (_, i) => Math.round(3000 * Math.sin((2 * Math.PI * 50 * i) / 8000) + 1500 * Math.sin((2 * Math.PI * 150 * i) / 8000)));
    const frames = chain.process(encodeMulaw(hum));
    expect(frames.slice(25).filter((f) => f.isSpeech)).toHaveLength(0);
    chain.dispose();
  });

  it('barge-in: caller speech while the agent talks interrupts; the agent\'s own echo does not', () => {
    const chain = new InboundChain({ codec: 'mulaw', sampleRateHz: 8000 });
    chain.process(encodeMulaw(silence(500)));
    chain.setAgentSpeaking(true);
    const agent = encodeMulaw(speechLike(1000, 12000));
    // Echo: the agent's audio 60 ms later at -20 dB.
    const echoPcm = concat(silence(60), speechLike(940, 1200));
    let echoBargeIns = 0;
    for (let offset = 0; offset < agent.length; offset += 160) {
      chain.pushAgentAudio(agent.subarray(offset, offset + 160));
      echoBargeIns += chain.process(encodeMulaw(echoPcm.subarray(offset, offset + 160))).filter((f) => f.bargeIn).length;
    }
    expect(echoBargeIns).toBe(0);
    const frames = chain.process(encodeMulaw(speechLike(600, 10000)));
    const first = frames.findIndex((f) => f.bargeIn);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first * 20).toBeLessThanOrEqual(200);
    chain.dispose();
  });

  it('learns the line: with no echo coming back, a soft-spoken caller interrupts at once; on an echoing line, not below the echo', () => {
    const talk = (chain: InboundChain, echoGain: number, ms: number) => {
      const agent = encodeMulaw(speechLike(ms, 12000));
      const echo = concat(silence(60), speechLike(ms - 60, 12000 * echoGain));
      let bargeIns = 0;
      for (let offset = 0; offset < agent.length; offset += 160) {
        chain.pushAgentAudio(agent.subarray(offset, offset + 160));
        bargeIns += chain.process(encodeMulaw(echo.subarray(offset, offset + 160))).filter((f) => f.bargeIn).length;
      }
      return bargeIns;
    };
    const soft = () => speechLike(400, 600); // about 26 dB below the agent
    const quiet = new InboundChain({ codec: 'mulaw', sampleRateHz: 8000 });
    quiet.process(encodeMulaw(silence(500)));
    quiet.setAgentSpeaking(true);
    expect(talk(quiet, 0, 2000)).toBe(0);
    const heard = quiet.process(encodeMulaw(soft()));
    expect(heard.findIndex((f) => f.bargeIn) * 20).toBeLessThanOrEqual(120);
    quiet.dispose();

    const echoing = new InboundChain({ codec: 'mulaw', sampleRateHz: 8000 });
    echoing.process(encodeMulaw(silence(500)));
    echoing.setAgentSpeaking(true);
    expect(talk(echoing, 0.1, 2000)).toBe(0); // its own echo, 20 dB down, never interrupts
    expect(echoing.process(encodeMulaw(soft())).some((f) => f.bargeIn)).toBe(false);
    echoing.dispose();
  });

  it('takes 16 kHz PCM16 and keeps an odd trailing byte for the next call', () => {
    const chain = new InboundChain({ codec: 'l16', sampleRateHz: 16000 });
    const pcm = new Uint8Array(640 * 2 + 1);
    expect(chain.process(pcm)).toHaveLength(2);
    expect(chain.process(new Uint8Array(639))).toHaveLength(1);
    chain.dispose();
    expect(() => chain.process(pcm)).toThrow(/after dispose/);
  });

  it('rejects codecs and rates it cannot take, with the fix in the message', () => {
    expect(() => new InboundChain({ codec: 'opus' as 'mulaw', sampleRateHz: 8000 })).toThrow(/use mulaw, alaw or l16/);
    expect(() => new InboundChain({ codec: 'mulaw', sampleRateHz: 44100 as 8000 })).toThrow(/use 8000 or 16000/);
  });

  it('gives finite numbers on silence and full-scale clipping', () => {
    const chain = new InboundChain({ codec: 'mulaw', sampleRateHz: 8000 });
    const clipped = Int16Array.from({ length: 1600 }, (_, i) => (i % 2 ? 32767 : -32768));
    for (const frame of [...chain.process(encodeMulaw(silence(200))), ...chain.process(encodeMulaw(clipped))]) {
      expect(Number.isFinite(frame.rmsDbfs)).toBe(true);
      expect(Number.isFinite(frame.speechProbability)).toBe(true);
    }
    chain.dispose();
  });

  it('frees its WASM buffers: 1,000 chains created and disposed leave WASM memory where it was', () => {
    const memory = getDsp().exports.memory;
    for (let i = 0; i < 50; i++) new InboundChain({ codec: 'mulaw', sampleRateHz: 16000 }).dispose();
    const before = memory.buffer.byteLength;
    for (let i = 0; i < 1000; i++) {
      const chain = new InboundChain({ codec: 'l16', sampleRateHz: 16000 });
      chain.process(new Uint8Array(640));
      chain.dispose();
    }
    expect(memory.buffer.byteLength).toBe(before);
  });
});
