// The WASM inbound chain and its plain-TS reference agree frame for frame on the whole corpus.
import { describe, expect, it } from 'vitest';
import { loadVadCorpus } from '../src/corpus.ts';
import { InboundChain } from '../src/inbound-chain.ts';
import { ReferenceInboundChain } from '../src/reference/chain.ts';

const clips = loadVadCorpus();

describe('inbound chain: WASM = plain-TS reference', () => {
  for (const [label, pick, codec, rate] of [['8 kHz mu-law', 'ulaw8k', 'mulaw', 8000], ['16 kHz PCM16', 'pcm16k', 'l16', 16000]] as const) {
    it(`gives the same decisions on every ${label} clip`, () => {
      let frames = 0;
      let mismatched = 0;
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
          expect(Math.abs(a.rmsDbfs - b.rmsDbfs)).toBeLessThan(1e-6);
          expect(Math.abs(a.speechProbability - b.speechProbability)).toBeLessThan(1e-6);
        }
        wasm.dispose();
      }
      expect(frames).toBeGreaterThan(10_000);
      expect(mismatched).toBe(0);
    });
  }
});
