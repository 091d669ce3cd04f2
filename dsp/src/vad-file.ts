// VAD and endpointing over a whole WAV file, through the same inbound chain the edge runs per call.
import { InboundChain, type InboundCodec } from './inbound-chain.ts';
import { readWav } from './wav.ts';

export interface VadFileResult {
  frame_ms: 10;
  /** One character per 10 ms from t = 0: "1" speech, "0" not. */
  speech: string;
  /** Seconds from the start at which an end of turn was declared. */
  endpoints_s: number[];
}

export function analyseWav(bytes: Uint8Array, name = 'WAV file', options: { silenceMs?: number; eagerness?: number } = {}): VadFileResult {
  const wav = readWav(bytes, name);
  if (wav.channels !== 1) throw new Error(`${name}: ${wav.channels} channels; use a mono WAV`);
  const codec: InboundCodec = wav.encoding === 'pcm16' ? 'l16' : wav.encoding;
  if (wav.sampleRateHz !== 8000 && wav.sampleRateHz !== 16000) throw new Error(`${name}: ${wav.sampleRateHz} Hz; use 8000 Hz (G.711 or PCM16) or 16000 Hz PCM16`);
  if (codec !== 'l16' && wav.sampleRateHz !== 8000) throw new Error(`${name}: G.711 WAVs must be 8000 Hz`);
  const chain = new InboundChain({ codec, sampleRateHz: wav.sampleRateHz, ...options });
  try {
    const frames = chain.process(wav.data);
    // The trailing partial frame (under 20 ms) is padded with silence so every 10 ms of the file gets a decision.
    const bytesPerFrame = chain.frameBytes;
    const remainder = wav.data.length % bytesPerFrame;
    if (remainder > 0) {
      const silence = codec === 'mulaw' ? 0xff : codec === 'alaw' ? 0xd5 : 0;
      frames.push(...chain.process(new Uint8Array(bytesPerFrame - remainder).fill(silence)));
    }
    const samples = codec === 'l16' ? wav.data.length / 2 : wav.data.length;
    const tenMsCount = Math.ceil(samples / (wav.sampleRateHz / 100));
    let speech = '';
    const endpoints: number[] = [];
    frames.forEach((frame, index) => {
      speech += (frame.speech10ms[0] ? '1' : '0') + (frame.speech10ms[1] ? '1' : '0');
      if (frame.endOfTurn) endpoints.push(Number(((index + 1) * 0.02).toFixed(2)));
    });
    return { frame_ms: 10, speech: speech.slice(0, tenMsCount), endpoints_s: endpoints };
  } finally {
    chain.dispose();
  }
}
