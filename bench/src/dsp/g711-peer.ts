// The peer G.711 package (alawmulaw), imported in one place for the benchmarks.
import alawmulawModule from 'alawmulaw';

export const alawmulaw = alawmulawModule as unknown as {
  mulaw: { encode(samples: Int16Array): Uint8Array; decode(bytes: Uint8Array): Int16Array; encodeSample(s: number): number; decodeSample(b: number): number };
  alaw: { encode(samples: Int16Array): Uint8Array; decode(bytes: Uint8Array): Int16Array; encodeSample(s: number): number; decodeSample(b: number): number };
};
