// What every simulated caller of `invorto bench load` says: corpus speech (../shared/corpus/vad when it is there, else
// the repository's own corpus/vad; 8 kHz mu-law),
// one labelled utterance at a time, each followed by enough silence for the agent to answer, after a silence long
// enough for the greeting. Frames are kept as base64 once, shared by all calls, so the generator's per-frame work
// is a string concatenation.
import { corpus, loadVadCorpus } from '@invorto/dsp/corpus.ts';
import { FRAME_BYTES, FRAME_MS, MULAW_SILENCE, tag } from './shared.ts';

/** Silence before the first utterance: the greeting plays meanwhile. */
const INTRO_MS = 5000;
/** Silence after each utterance: the agent's reply (about 2 s) plays meanwhile, so nobody barges in. */
const GAP_MS = 4000;
/** Corpus context kept around each labelled utterance. */
const PAD_MS = 200;
/** Clips quiet enough between utterances for the ASR emulator's energy detector (-40 dBFS) to find the pauses. */
export const MIN_SNR_DB = 20;

export interface CallerScript {
  introFrames: number;
  silenceBase64: string;
  /** The utterances and gaps of one clip, back to back, as base64 frames; callers loop over it. */
  cycleBase64: string[];
  /** 1 at the frame holding the end of an utterance's labelled speech: turn latency is measured from there. */
  cycleSpeechEnd: Uint8Array;
  /** Frame offsets in the cycle where each utterance starts (a call starts at one of them). */
  utteranceStarts: number[];
}

const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** One script per quiet corpus clip. */
export function loadCallerScripts(): CallerScript[] {
  const silence = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE);
  const silenceBase64 = toBase64(silence);
  const scripts = loadVadCorpus().filter((clip) => clip.snrDb >= MIN_SNR_DB && clip.ulaw8k.encoding === 'mulaw' && clip.ulaw8k.sampleRateHz === 8000).map((clip) => {
    const audio = clip.ulaw8k.data;
    const bytesPerMs = 8;
    const cycleBase64: string[] = [];
    const speechEnd: number[] = [];
    const utteranceStarts: number[] = [];
    for (const [startS, endS] of clip.segments) {
      utteranceStarts.push(cycleBase64.length);
      const from = Math.max(0, Math.round((startS * 1000 - PAD_MS) * bytesPerMs));
      const to = Math.min(audio.length, Math.round((endS * 1000 + PAD_MS) * bytesPerMs));
      const lastSpeechByte = Math.round(endS * 1000 * bytesPerMs) - from;
      for (let offset = from; offset < to; offset += FRAME_BYTES) {
        const frame = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE);
        frame.set(audio.subarray(offset, Math.min(to, offset + FRAME_BYTES)));
        cycleBase64.push(toBase64(frame));
        const frameStart = offset - from;
        speechEnd.push(lastSpeechByte >= frameStart && lastSpeechByte < frameStart + FRAME_BYTES ? 1 : 0);
      }
      for (let i = 0; i < GAP_MS / FRAME_MS; i++) {
        cycleBase64.push(silenceBase64);
        speechEnd.push(0);
      }
    }
    return { introFrames: INTRO_MS / FRAME_MS, silenceBase64, cycleBase64, cycleSpeechEnd: Uint8Array.from(speechEnd), utteranceStarts };
  });
  if (scripts.length === 0) throw new Error(`no corpus clip with SNR >= ${MIN_SNR_DB} dB in ${corpus.label}: the load generator needs the VAD corpus`);
  return scripts;
}

/** What the emulated ASR hears in utterance `turn` of a call: the tags let the LLM and TTS emulators name the call. */
export const scriptedTranscript = (callId: number, turn: number) => `Ticket ${tag(callId)} ${tag(turn)}, what time do you open tomorrow?`;

/** What the emulated LLM answers: the tags first, in a sentence of their own, so the TTS emulator sees them at once. */
export const scriptedReply = (callId: number, turn: number) => `Noted ${tag(callId)} ${tag(turn)}. We open at nine.`;
