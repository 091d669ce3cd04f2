import { describe, expect, it } from 'vitest';
import { buildRtp, Packetizer, parseRtp, RtpError, SequenceExtender, seqDiff, tsDiff } from '../src/rtp.ts';

describe('RTP', () => {
  it('builds and parses the fixed header', () => {
    const payload = Uint8Array.from({ length: 160 }, (_, i) => i);
    const packet = buildRtp({ payloadType: 0, sequence: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef, marker: true }, payload);
    expect(packet.length).toBe(172);
    const parsed = parseRtp(packet);
    expect(parsed).toMatchObject({ version: 2, marker: true, payloadType: 0, sequence: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef, csrcs: [], extension: null, padding: false });
    expect(Array.from(parsed.payload)).toEqual(Array.from(payload));
  });

  it('parses CSRCs, an extension and padding', () => {
    const header = [0x80 | 0x20 | 0x10 | 2, 8, 0, 1, 0, 0, 0, 160, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 2, 0xbe, 0xde, 0, 1, 9, 9, 9, 9];
    const packet = Uint8Array.from([...header, 0xd5, 0xd5, 0xd5, 0, 0, 3]);
    const parsed = parseRtp(packet);
    expect(parsed.csrcs).toEqual([1, 2]);
    expect(parsed.extension?.profile).toBe(0xbede);
    expect(Array.from(parsed.extension!.data)).toEqual([9, 9, 9, 9]);
    expect(Array.from(parsed.payload)).toEqual([0xd5, 0xd5, 0xd5]);
    expect(parsed.payloadType).toBe(8);
  });

  it('rejects malformed packets with the reason', () => {
    const good = buildRtp({ payloadType: 0, sequence: 1, timestamp: 160, ssrc: 1 }, new Uint8Array(160));
    const bad = (mutate: (p: Uint8Array) => Uint8Array) => () => parseRtp(mutate(good.slice()));
    expect(bad((p) => p.subarray(0, 11))).toThrow(/shorter than the 12-byte header/);
    expect(bad((p) => { p[0] = 0x40; return p; })).toThrow(/version 1/);
    expect(bad((p) => { p[0] = 0x80 | 15; return p.subarray(0, 40); })).toThrow(/CSRC count 15/);
    expect(bad((p) => { p[0] = 0xa0; p[p.length - 1] = 250; return p; })).toThrow(/padding of 250 bytes/);
    expect(bad((p) => { p[0] = 0xa0; p[p.length - 1] = 0; return p; })).toThrow(RtpError);
    expect(bad((p) => { p[0] = 0x90; p[14] = 0xff; p[15] = 0xff; return p; })).toThrow(/extension of 65535 words/);
  });

  it('does sequence and timestamp arithmetic across the wrap', () => {
    expect(seqDiff(65535, 0)).toBe(1);
    expect(seqDiff(0, 65535)).toBe(-1);
    expect(seqDiff(100, 40000)).toBe(-25636);
    expect(tsDiff(0xffffff60, 0x00000000)).toBe(160);
    const extender = new SequenceExtender();
    expect([65534, 65535, 0, 65535, 1, 2].map((s) => extender.extend(s))).toEqual([65534, 65535, 65536, 65535, 65537, 65538]);
  });

  it('packetises arbitrary chunks into exact 20 ms frames', () => {
    const frames: Uint8Array[] = [];
    const packetizer = new Packetizer(160);
    for (const size of [100, 100, 300, 17]) packetizer.push(new Uint8Array(size).fill(size & 0xff), (f) => frames.push(f));
    expect(frames.map((f) => f.length)).toEqual([160, 160, 160]);
    expect(frames[0][99]).toBe(100);
    expect(frames[1][0]).toBe(100);
    expect(frames[1][40]).toBe(300 & 0xff);
  });
});
