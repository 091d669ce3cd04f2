// One call whose Deepgram ASR is lost for good mid-utterance: the caller's audio starts 5 s in (message 250),
// Deepgram's socket is cut at message 300, a second into the sentence, and every reconnection is refused. The
// failover tests check what the caller got; the usage tests check what each engine is billed for.
import { startDeepgramEmulator, startOpenAiEmulator, type OpenAiEmulatorOptions } from '../../testing/emulators/index.ts';
import { placeTwilioCall } from '../../src/sim/carrier-caller.ts';
import { silenceFrames, speechFrames } from '../../src/sim/caller-sounds.ts';
import { emulatorKeys, startTestEdge, type EdgeHarness } from './edge-harness.ts';
import { readTimelineWhen } from './timeline.ts';

export const ASR_CUT_QUESTION = 'I would like to book an appointment please.';

/** Places the call and hands its edge (with its data folder) and the Deepgram emulator to `check`; everything is closed after. */
export async function withAsrCutCall(responder: OpenAiEmulatorOptions['responder'], check: (call: { harness: EdgeHarness; deepgram: Awaited<ReturnType<typeof startDeepgramEmulator>> }) => Promise<void> | void): Promise<void> {
  const deepgram = await startDeepgramEmulator({ listen: { utterances: [{ transcript: ASR_CUT_QUESTION }], finalDelayMs: 50, dropAfterMessages: 300, refuseAfterDrop: true }, speak: { firstByteMs: 40 } });
  const openai = await startOpenAiEmulator({ firstTokenMs: 60, responder });
  const harness = await startTestEdge(emulatorKeys(deepgram, openai));
  try {
    // A long quiet tail: the offline engine decodes the whole utterance at its end, slowly on a loaded host.
    const frames = [...silenceFrames(5000), ...(await speechFrames(ASR_CUT_QUESTION)), ...silenceFrames(4000)];
    await placeTwilioCall({ url: harness.mediaUrl, frames, quietHangupMs: 4000, maxDurationMs: 40_000 });
    // The caller has hung up; the edge writes the call's end (and its usage) as it notices, which on a loaded host can
    // come after the caller's side is done. The checks read the timeline, so they wait for the call to be over in it.
    await readTimelineWhen(harness.dataDir, (events) => events.some((e) => e.callEnded), 10_000);
    await check({ harness, deepgram });
  } finally {
    await harness.close();
    await deepgram.close();
    await openai.close();
  }
}
