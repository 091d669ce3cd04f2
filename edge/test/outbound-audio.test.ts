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
});
