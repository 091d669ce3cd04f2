// Plays one scripted conversation through a fresh in-process edge with emulated Deepgram and OpenAI, and measures
// what the caller experienced (from the caller's side: when agent audio arrived, when the carrier was told to clear)
// and what the edge decided (from its timeline: committed interruptions, false ones it resumed from).
import type { AgentConfig } from '@invorto/proto/agent-config.ts';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { placeTwilioCall } from '@invorto/edge/sim/carrier-caller.ts';
import { firstVoicedMs, lastVoicedEndMs, noiseBurstFrames, silenceFrames, speechFrames } from '@invorto/edge/sim/caller-sounds.ts';
import { startDeepgramEmulator, startOpenAiEmulator } from '@invorto/edge/testing/emulators/index.ts';
import { startBenchEdge } from './edge.ts';
import { emulatorLatencies, providerMs, type LatencyProfile } from './profiles.ts';
import { REPLIES, type Scenario, type StepKind } from './scenarios.ts';

/** The simulator sends a frame as its 20 ms begin; a carrier sends it once captured: 20 ms later. */
const PACKETIZATION_MS = 20;

export interface TurnSetting {
  name: string;
  turn: AgentConfig['turn'];
}

export interface ScenarioResult {
  scenario: string;
  /** Caller speech end -> agent's first audio, minus the profile's mean provider latency: the edge's own share. */
  endOfTurnLatenciesMs: number[];
  /** The same gap with nothing subtracted: what the caller waits. */
  voiceToVoiceMs: number[];
  turnsExpected: number;
  turnsAnswered: number;
  cutoffProbes: number;
  prematureCutoffs: number;
  bargeInLatenciesMs: number[];
  bargeInsMissed: number;
  interruptionProbes: number;
  falseInterruptions: number;
  /** Pauses that resumed (a backchannel or noise stopped the agent briefly), and how long each silence lasted. */
  pauseGapsMs: number[];
  /** Resumed pauses in which the agent was only ducked, and how long each lasted (its silence gap is 0). */
  duckedMs: number[];
  /** Speculative replies prepared (the LLM asked before the turn was confirmed), and of them cancelled unheard. */
  speculativeReplies: number;
  speculativeWasted: number;
}

interface TimedStep { kind: StepKind; startMs: number; onsetMs: number; endMs: number }

async function buildCaller(scenario: Scenario): Promise<{ frames: Uint8Array[]; steps: TimedStep[] }> {
  const frames: Uint8Array[] = [];
  const steps: TimedStep[] = [];
  for (const step of scenario.steps) {
    const startMs = frames.length * 20;
    if ('silenceMs' in step) {
      frames.push(...silenceFrames(step.silenceMs));
      continue;
    }
    const sound = 'say' in step ? await speechFrames(step.say) : noiseBurstFrames(step.noiseMs);
    steps.push({ kind: step.kind, startMs, onsetMs: startMs + firstVoicedMs(sound), endMs: startMs + lastVoicedEndMs(sound) });
    frames.push(...sound);
  }
  return { frames, steps };
}

/** Plays `scenario` once; `seed` draws the profile's jittered latencies (the same seed, the same draws). */
export async function runScenario(scenario: Scenario, setting: TurnSetting, profile: LatencyProfile, seed: number): Promise<ScenarioResult> {
  const { frames, steps } = await buildCaller(scenario);
  const latency = emulatorLatencies(profile, seed);
  const deepgram = await startDeepgramEmulator({
    apiKey: 'bench-deepgram-key',
    listen: { utterances: scenario.transcripts.map((transcript) => ({ transcript })), finalDelayMs: latency.asrFinalMs, speechThresholdDbfs: scenario.asrSpeechThresholdDbfs },
    speak: { firstByteMs: latency.ttsFirstByteMs },
  });
  const openai = await startOpenAiEmulator({
    apiKey: 'bench-openai-key', firstTokenMs: latency.llmFirstTokenMs,
    responder: ({ messages }) => {
      const said = String([...messages].reverse().find((m) => m.role === 'user')?.content ?? '');
      return { text: REPLIES.find((r) => r.when.test(said))?.text ?? 'I can help with that.' };
    },
  });
  const agent: AgentConfig = { ...demoAgent('default'), id: 'bench', greeting: scenario.greeting, turn: setting.turn };
  const edge = await startBenchEdge(agent, { deepgramUrl: deepgram.url, openaiUrl: openai.url });
  try {
    const caller = await placeTwilioCall({ url: edge.mediaUrl, frames, echo: scenario.echo, quietHangupMs: 2500, maxDurationMs: frames.length * 20 + 20_000 });
    const timeline = edge.timeline();
    const spans = caller.agentAudioSpans;
    const firstAudioAfter = (ms: number) => spans.find((s) => s.startMs > ms)?.startMs ?? null;
    const result: ScenarioResult = {
      scenario: scenario.name, endOfTurnLatenciesMs: [], voiceToVoiceMs: [], turnsExpected: 0, turnsAnswered: 0, cutoffProbes: 0, prematureCutoffs: 0,
      bargeInLatenciesMs: [], bargeInsMissed: 0, interruptionProbes: 0, falseInterruptions: 0, pauseGapsMs: [],
      speculativeReplies: 0, speculativeWasted: 0, duckedMs: [],
    };
    steps.forEach((step, index) => {
      if (step.kind === 'turn' || step.kind === 'barge-in') {
        result.turnsExpected++;
        const answer = firstAudioAfter(step.endMs);
        if (answer !== null && answer - step.endMs < 10_000) {
          result.turnsAnswered++;
          result.voiceToVoiceMs.push(answer - step.endMs + PACKETIZATION_MS);
          result.endOfTurnLatenciesMs.push(answer - step.endMs + PACKETIZATION_MS - providerMs(profile));
        }
      }
      if (step.kind === 'turn-part') {
        // Agent audio that starts after this part and before the caller goes on (plus a breath) cut them off.
        result.cutoffProbes++;
        const next = steps[index + 1];
        if (spans.some((s) => s.startMs > step.endMs && s.startMs < (next?.onsetMs ?? Infinity) + 150)) result.prematureCutoffs++;
      }
      if (step.kind === 'barge-in') {
        const clear = caller.clears.find((ms) => ms >= step.onsetMs - PACKETIZATION_MS);
        if (clear === undefined || clear - step.onsetMs > 1000) result.bargeInsMissed++;
        else result.bargeInLatenciesMs.push(clear - step.onsetMs + PACKETIZATION_MS);
      }
      if (step.kind === 'backchannel' || step.kind === 'noise') result.interruptionProbes++;
    });
    if (scenario.echo) result.interruptionProbes++;
    // Over the agent, this scenario's caller only backchannels, coughs or echoes: any committed interruption is false.
    if (result.interruptionProbes > 0 && !steps.some((s) => s.kind === 'barge-in')) result.falseInterruptions = timeline.filter((e) => e.bargeIn).length;
    for (const event of timeline) {
      const resumed = event.falseInterruption;
      if (resumed?.ducked) result.duckedMs.push(resumed.resumedMs! - resumed.pausedMs!);
      if (resumed) result.pauseGapsMs.push(resumed.ducked ? 0 : resumed.resumedMs! - resumed.pausedMs!);
      if (event.speculativeReply) result.speculativeReplies++;
      if (event.speculativeReply?.outcome === 'cancelled') result.speculativeWasted++;
    }
    return result;
  } finally {
    await edge.close();
    await deepgram.close();
    await openai.close();
  }
}
