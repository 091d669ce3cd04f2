// Sample magnitude of every G.711 code, so an outbound frame's level costs one table lookup per byte.
import { decodeAlaw, decodeMulaw } from '@invorto/dsp/g711.ts';

const allCodes = Uint8Array.from({ length: 256 }, (_, code) => code);

export const MULAW_MAGNITUDE = Uint16Array.from(decodeMulaw(allCodes), Math.abs);
export const ALAW_MAGNITUDE = Uint16Array.from(decodeAlaw(allCodes), Math.abs);
