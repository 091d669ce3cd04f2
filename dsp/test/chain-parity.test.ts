// The WASM inbound chain and its plain-TS reference agree frame for frame on the whole corpus (../shared/corpus, or
// the repository's own when that is not beside it).
import { describe, expect, it } from 'vitest';
import { corpus, loadVadCorpus } from '../src/corpus.ts';
import { InboundChain } from '../src/inbound-chain.ts';
import { ReferenceInboundChain } from '../src/reference/chain.ts';

const clips = loadVadCorpus();

describe('inbound chain: WASM = plain-TS reference', () => {
  for (const [label, pick, codec, rate] of [['8 kHz mu-law', 'ulaw8k', 'mulaw', 8000], ['16 kHz PCM16', 'pcm16k', 'l16', 16000]] as const) {
    it(`gives the same decisions on every ${label} clip`, () => {
      let frames = 0;
      let mismatched = 0;
      let worstDb = 0;
      let worstProbability = 0;
      for (const clip of clips) {
        const wasm = new InboundChain({ codec, sampleRateHz: rate });
        const reference = new ReferenceInboundChain({ codec, sampleRateHz: rate });
        const data = clip[pick].data;
        // Halfway through, the agent starts speaking: the barge-in and echo paths are compared too.
        const agentFrom = Math.floor(data.length / reference.frameBytes / 2);
        for (let i = 0; (i + 1) * reference.frameBytes <= data.length; i++) {
          const frame = data.subarray(i * reference.frameBytes, (i + 1) * reference.frameBytes);
          if (i === agentFrom) { wasm.setAgentSpeaking(true); reference.setAgentSpeaking(true); }
          if (i >= agentFrom) { const echo = data.subarray(0, reference.frameBytes); wasm.pushAgentAudio(echo); reference.agentFrame(echo); }
          const [a] = wasm.process(frame);
          const b = reference.processFrame(frame);
          frames++;
          const same = a.isSpeech === b.isSpeech && a.speechStarted === b.speechStarted && a.speechEnded === b.speechEnded &&
            a.endOfTurn === b.endOfTurn && a.bargeIn === b.bargeIn && a.backchannel === b.backchannel &&
            a.speech10ms[0] === b.speech10ms[0] && a.speech10ms[1] === b.speech10ms[1];
          if (!same) mismatched++;
          worstDb = Math.max(worstDb, Math.abs(a.rmsDbfs - b.rmsDbfs));
          worstProbability = Math.max(worstProbability, Math.abs(a.speechProbability - b.speechProbability));
        }
        wasm.dispose();
      }
      // Every 20 ms frame of every clip was compared.
      expect(frames).toBeGreaterThanOrEqual(clips.reduce((n, clip) => n + Math.floor(clip.durationS * 50) - 1, 0));
      // The WASM filter runs in f32 SIMD, the reference in f64: values agree closely, and decisions but for a
      // frame whose probability sits within rounding of 0.5.
      expect(worstDb).toBeLessThan(1e-4);
      expect(worstProbability).toBeLessThan(1e-3);
      console.log(`${label} on ${corpus.label}: ${clips.length} clips, ${frames} frames, ${mismatched} decisions differ, worst dB diff ${worstDb.toExponential(2)}, worst probability diff ${worstProbability.toExponential(2)}`);
      expect(mismatched / frames).toBeLessThan(0.0005);
    });
  }
});
