import { describe, expect, it } from 'vitest';
import { OutboundAudio, type OutboundMarker } from '../src/runtime/outbound-audio.ts';

function harness() {
  const frames: Uint8Array[] = [];
  const markers: OutboundMarker[] = [];
  let idle = 0;
  const audio = new OutboundAudio(
    { ready: () => true, sendFrame: (f) => { frames.push(f.slice()); return true; }, onMarker: (m) => markers.push(m), onIdle: () => { idle++; } },
    { frameBytes: 160, silenceByte: 0xff },
  );
  return { audio, frames, markers, idle: () => idle };
}

describe('OutboundAudio', () => {
  it('cuts arbitrary chunks into exact 20 ms frames and pads only the tail', () => {
    const { audio, frames } = harness();
    audio.pushAudio(new Uint8Array(100).fill(1));
    audio.pushAudio(new Uint8Array(300).fill(2));
    audio.tick(0, 1000);
    expect(frames.map((f) => f.length)).toEqual([160, 160, 160]);
    expect(frames[0][99]).toBe(1);
    expect(frames[0][100]).toBe(2);
    expect(frames[2][79]).toBe(2);
    expect(frames[2][80]).toBe(0xff);
  });

  it('paces in real time: a tick sends only what is due, plus the lead', () => {
    const { audio, frames } = harness();
    audio.pushAudio(new Uint8Array(160 * 50));
    audio.tick(1000, 60);
    expect(frames.length).toBe(3); // the 60 ms lead
    audio.tick(1020, 60);
    expect(frames.length).toBe(4);
    audio.tick(1100, 60);
    expect(frames.length).toBe(8);
  });

  it('emits markers after the audio queued before them, and goes idle when empty', () => {
    const { audio, frames, markers, idle } = harness();
    audio.pushAudio(new Uint8Array(320));
    audio.pushMarker({ kind: 'sentence-end', text: 'Hello.' });
    audio.pushMarker({ kind: 'mark', name: 'reply-0' });
    audio.tick(0, 20);
    expect(frames.length).toBe(1);
    expect(markers).toEqual([]);
    audio.tick(20, 20);
    expect(frames.length).toBe(2);
    expect(markers.map((m) => m.kind)).toEqual(['sentence-end', 'mark']);
    expect(idle()).toBe(1);
    expect(audio.playing).toBe(false);
  });

  it('clear() drops queued audio and markers', () => {
    const { audio, frames, markers } = harness();
    audio.pushAudio(new Uint8Array(1600));
    audio.pushMarker({ kind: 'mark', name: 'reply-0' });
    audio.tick(0, 20);
    audio.clear();
    expect(audio.queuedBytes).toBe(0);
    audio.tick(20, 20);
    expect(frames.length).toBe(1);
    expect(markers).toEqual([]);
  });

  it('keeps audio queued, not lost, while the socket is over its buffer bound', () => {
    let ready = false;
    const sent: Uint8Array[] = [];
    const audio = new OutboundAudio({ ready: () => ready, sendFrame: (f) => { sent.push(f.slice()); return true; }, onMarker: () => {}, onIdle: () => {} }, { frameBytes: 160, silenceByte: 0xff });
    audio.pushAudio(Uint8Array.from({ length: 480 }, (_, i) => Math.floor(i / 160)));
    audio.tick(0, 100);
    expect(sent).toHaveLength(0);
    expect(audio.queuedBytes).toBe(480);
    ready = true;
    audio.tick(20, 100);
    expect(sent.map((f) => f[0])).toEqual([0, 1, 2]);
  });

  it('stops sending in a tick when the socket reports backpressure', () => {
    let accepted = 0;
    const audio = new OutboundAudio({ ready: () => true, sendFrame: () => ++accepted < 2, onMarker: () => {}, onIdle: () => {} }, { frameBytes: 160, silenceByte: 0xff });
    audio.pushAudio(new Uint8Array(1600));
    audio.tick(0, 200);
    expect(accepted).toBe(2);
  });

  it('refuses audio over its bound and counts it, but never refuses a marker', () => {
    const { audio, markers } = harness2({ maxQueuedMs: 100 });
    expect(audio.pushAudio(new Uint8Array(800))).toBe(true);
    expect(audio.pushAudio(new Uint8Array(200))).toBe(false);
    expect(audio.droppedBytes).toBe(200);
    audio.pushMarker({ kind: 'mark', name: 'reply-0' });
    audio.tick(0, 1000);
    expect(markers.map((m) => m.kind)).toEqual(['mark']);
  });
});

/** Frame i of a sentence: first byte = i, the rest loud, except quiet frames (mu-law silence). */
function sentenceFrames(count: number, quiet: number[] = []): Uint8Array {
  const bytes = new Uint8Array(count * 160);
  for (let i = 0; i < count; i++) {
    bytes.fill(quiet.includes(i) ? 0xff : 0x10, i * 160, (i + 1) * 160);
    bytes[i * 160] = i;
  }
  return bytes;
}

function harness2(options: { maxQueuedMs?: number } = {}) {
  const sent: number[] = [];
  const markers: OutboundMarker[] = [];
  const audio = new OutboundAudio(
    { ready: () => true, sendFrame: (f) => { sent.push(f[0]); return true; }, onMarker: (m) => markers.push(m), onIdle: () => {} },
    { frameBytes: 160, silenceByte: 0xff, ...options },
  );
  return { audio, sent, markers };
}

describe('OutboundAudio pause and resume', () => {
  it('pauses at once, knows how far the caller heard, and replays the recent sentence from its start', () => {
    const { audio, sent } = harness2();
    audio.pushMarker({ kind: 'reply-start' });
    audio.pushAudio(sentenceFrames(30));
    audio.tick(0, 60);
    audio.tick(340, 60); // 20 frames sent; the last 3 (the lead) not yet played
    expect(sent).toHaveLength(20);
    const point = audio.pause(340, 60);
    expect(point.framesIntoSentence).toBe(17);
    audio.tick(360, 60);
    audio.tick(1000, 60);
    expect(sent).toHaveLength(20); // nothing while paused
    audio.pushAudio(sentenceFrames(2)); // TTS goes on arriving
    audio.resume();
    audio.tick(2000, 10_000);
    expect(sent.slice(20)).toEqual([...Array.from({ length: 30 }, (_, i) => i), 0, 1]);
  });

  it('rewinds a long sentence to the last pause between words, not to its start', () => {
    const { audio, sent } = harness2();
    audio.pushMarker({ kind: 'reply-start' });
    audio.pushAudio(sentenceFrames(30, [10, 11, 12]));
    audio.tick(0, 60);
    audio.tick(340, 60);
    audio.pause(340, 60);
    audio.resume(200); // at most 10 frames back from frame 17
    audio.tick(1000, 10_000);
    expect(sent.slice(20, 23)).toEqual([12, 13, 14]);
    expect(sent.at(-1)).toBe(29);
  });

  it('sends a mark again when the audio before it is replayed', () => {
    const { audio, markers } = harness2();
    audio.pushMarker({ kind: 'reply-start' });
    audio.pushAudio(sentenceFrames(5));
    audio.pushMarker({ kind: 'sentence-end', text: 'Hi.' });
    audio.pushMarker({ kind: 'mark', name: 'reply-0' });
    audio.tick(0, 200);
    expect(markers.filter((m) => m.kind === 'mark')).toHaveLength(1);
    audio.pause(40, 60); // 2 of 5 frames heard
    audio.resume();
    audio.tick(1000, 10_000);
    expect(markers.filter((m) => m.kind === 'mark')).toHaveLength(2);
  });

  it('clear() after a pause drops the kept audio too', () => {
    const { audio, sent } = harness2();
    audio.pushAudio(sentenceFrames(10));
    audio.tick(0, 100);
    audio.pause(0, 100);
    audio.clear();
    audio.resume();
    audio.tick(1000, 10_000);
    expect(sent).toHaveLength(5);
    expect(audio.paused).toBe(false);
  });
});
