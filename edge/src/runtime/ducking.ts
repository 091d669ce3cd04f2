// Ducking: while caller sound over the agent is being weighed (a backchannel? a cough? a real interruption?), the
// agent's frames go out quieter instead of stopping, as a person talking lowers their voice when the other starts.
// G.711 frames are ducked through a 256-entry table (byte in, quieter byte out: no decode, no allocation beyond
// the frame); linear PCM is scaled sample by sample.
import { decodeAlaw, decodeMulaw, encodeAlaw, encodeMulaw } from '@invorto/dsp/g711.ts';

/** How much quieter a ducked agent is: clearly yielding, still intelligible. */
export const DUCK_DB = -12;

const tables = new Map<string, Uint8Array>();

function g711Table(encoding: 'mulaw' | 'alaw', gain: number): Uint8Array {
  const key = `${encoding}:${gain}`;
  let table = tables.get(key);
  if (!table) {
    const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const samples = encoding === 'mulaw' ? decodeMulaw(codes) : decodeAlaw(codes);
    const scaled = Int16Array.from(samples, (s) => Math.round(s * gain));
    table = encoding === 'mulaw' ? encodeMulaw(scaled) : encodeAlaw(scaled);
    tables.set(key, table);
  }
  return table;
}

/** A function that returns a ducked copy of one outbound frame in `encoding` (l16: little-endian 16-bit). */
export function frameDucker(encoding: 'mulaw' | 'alaw' | 'l16', db = DUCK_DB): (frame: Uint8Array) => Uint8Array {
  const gain = 10 ** (db / 20);
  if (encoding === 'l16') {
    return (frame) => {
      const out = new Uint8Array(frame.length);
      const input = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
      const output = new DataView(out.buffer);
      for (let i = 0; i + 1 < frame.length; i += 2) output.setInt16(i, Math.round(input.getInt16(i, true) * gain), true);
      return out;
    };
  }
  const table = g711Table(encoding, gain);
  return (frame) => {
    const out = new Uint8Array(frame.length);
    for (let i = 0; i < frame.length; i++) out[i] = table[frame[i]];
    return out;
  };
}
