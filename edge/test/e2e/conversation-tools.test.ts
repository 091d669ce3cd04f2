// Tools in a live conversation (real edge, real OpenAI/Deepgram SDKs against the emulators, HMAC-signed webhooks on
// a loopback server): a tool asked for by a generation the caller interrupted never runs; one already running is
// cancelled (its HTTP request aborted) and says so; bad arguments go back to the LLM, which asks the caller.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { startDeepgramEmulator, startOpenAiEmulator, type Responder } from '../../testing/emulators/index.ts';
import { placeTwilioCall } from '../../src/sim/carrier-caller.ts';
import { silenceFrames, speechFrames } from '../../src/sim/caller-sounds.ts';
import { startTestEdge } from '../helpers/edge-harness.ts';
import { readTimeline } from '../helpers/timeline.ts';

interface HookLog { path: string; aborted: boolean; answered: boolean }

let webhooks: Server;
let hookUrl = '';
const hookLog: HookLog[] = [];

beforeAll(async () => {
  webhooks = createServer((req, res) => {
    const entry: HookLog = { path: req.url ?? '', aborted: false, answered: false };
    hookLog.push(entry);
    req.resume();
    res.on('close', () => { if (!entry.answered) entry.aborted = true; });
    const delayMs = req.url === '/find-slot' ? 6000 : 10;
    const timer = setTimeout(() => { entry.answered = true; res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'); }, delayMs);
    res.on('close', () => clearTimeout(timer));
  });
  await new Promise<void>((resolve) => webhooks.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(webhooks.address() as AddressInfo).port}`;
});
afterAll(async () => { await new Promise((resolve) => webhooks.close(resolve)); });

const responder: Responder = ({ messages }) => {
  const last = messages.at(-1)!;
  if (last.role === 'tool') return { text: /invalid_arguments/.test(String(last.content)) ? 'Which day is your appointment on?' : 'Done.' };
  const said = String(last.content ?? '');
  if (/cancel/i.test(said)) {
    return {
      text: 'Sure. I will cancel your appointment for Tuesday at ten in the morning, and then I will confirm it with a text message to your phone.',
      toolCalls: [{ name: 'cancel_appointment', arguments: { day: 'Tuesday' } }],
    };
  }
  if (/another day/i.test(said)) return { toolCalls: [{ name: 'find_slot', arguments: { day: 'Friday' } }] };
  if (/move/i.test(said)) return { toolCalls: [{ name: 'cancel_appointment', arguments: {} }] };
  if (/price/i.test(said)) return { text: 'It costs **₹1,500** for 2 visits.' };
  return { text: 'I can help with that.' };
};

async function call(utterances: string[], script: (string | number)[]) {
  const deepgram = await startDeepgramEmulator({ listen: { utterances: utterances.map((transcript) => ({ transcript })), finalDelayMs: 50 }, speak: { firstByteMs: 40 } });
  const openai = await startOpenAiEmulator({ firstTokenMs: 60, tokenIntervalMs: 100, responder });
  const dayOnly = { type: 'object', properties: { day: { type: 'string' } }, required: ['day'], additionalProperties: false };
  const agent = {
    ...demoAgent('default'), greeting: 'Hello.', fillers: ['One moment please.'],
    tools: {
      webhooks: [
        { name: 'cancel_appointment', description: 'Cancel the caller\'s appointment', url: `${hookUrl}/cancel`, secret: 'a-webhook-secret-of-32-characters', parameters: dayOnly },
        { name: 'find_slot', description: 'Find a free slot', url: `${hookUrl}/find-slot`, secret: 'a-webhook-secret-of-32-characters', parameters: dayOnly, timeoutMs: 10_000 },
      ],
    },
  };
  const harness = await startTestEdge(
    { deepgramApiKey: 'test-deepgram-key', deepgramBaseUrl: deepgram.url, openaiApiKey: 'test-openai-key', openaiBaseUrl: `${openai.url}/v1` },
    { agent },
  );
  const frames: Uint8Array[] = [];
  for (const step of script) frames.push(...(typeof step === 'number' ? silenceFrames(step) : await speechFrames(step)));
  try {
    await placeTwilioCall({ url: harness.mediaUrl, frames, quietHangupMs: 2000, maxDurationMs: 40_000 });
    const events = readTimeline(harness.dataDir);
    return { events, requests: openai.requests.map((r) => r.body as { messages: { role: string; content: string }[] }), spoken: deepgram.speakRequests.flatMap((r) => r.texts) };
  } finally {
    await harness.close();
    await deepgram.close();
    await openai.close();
  }
}

describe('conversation: tools and interruptions', () => {
  it('a tool call from a generation the caller interrupted never executes', async () => {
    hookLog.length = 0;
    const { events } = await call(
      ['Please cancel my appointment.', 'No wait, stop.'],
      [1500, 'Please cancel my appointment.', 1300, 'No wait, stop.', 3000],
    );
    expect(events.filter((e) => e.bargeIn)).toHaveLength(1);
    expect(events.filter((e) => e.toolCall)).toEqual([]);
    expect(hookLog.filter((h) => h.path === '/cancel')).toEqual([]);
    expect(events.find((e) => e.agentSpeech?.interrupted)?.agentSpeech?.text).toMatch(/^Sure\./);
  }, 60_000);

  it('a tool already running is cancelled with its generation: its request is aborted, its result says cancelled', async () => {
    hookLog.length = 0;
    const { events } = await call(
      ['Can you find me another day?', 'Actually, never mind.'],
      [1500, 'Can you find me another day?', 2000, 'Actually, never mind.', 3000],
    );
    expect(events.filter((e) => e.toolCall).map((e) => e.toolCall!.name)).toEqual(['find_slot']);
    const result = events.find((e) => e.toolResult)?.toolResult;
    expect(result?.ok).toBe(false);
    expect(result?.resultJson).toMatch(/cancelled/);
    expect(hookLog).toEqual([{ path: '/find-slot', aborted: true, answered: false }]);
    expect(events.at(-1)?.callEnded).toBeDefined(); // and nothing was left in progress to hold the call open
  }, 60_000);

  it('bad tool arguments go back to the LLM as a structured error, and the agent asks instead of crashing', async () => {
    hookLog.length = 0;
    const { events, requests } = await call(['I want to move my appointment.'], [1500, 'I want to move my appointment.', 4000]);
    expect(requests).toHaveLength(2);
    const toolMessage = requests[1].messages.at(-1)!;
    expect(toolMessage.role).toBe('tool');
    expect(JSON.parse(toolMessage.content)).toMatchObject({ ok: false, error: { kind: 'invalid_arguments' } });
    expect(toolMessage.content).toMatch(/day/);
    expect(hookLog).toEqual([]);
    expect(events.filter((e) => e.turn).map((e) => e.turn!.agentText)).toEqual(['Hello.', 'Which day is your appointment on?']);
  }, 60_000);

  it('speaks amounts and numbers in words while the context keeps what the LLM wrote', async () => {
    const { events, spoken } = await call(['What is the price?'], [1500, 'What is the price?', 4000]);
    expect(spoken).toContain('It costs one thousand five hundred rupees for two visits.');
    expect(events.filter((e) => e.turn).map((e) => e.turn!.agentText)).toEqual(['Hello.', 'It costs **₹1,500** for 2 visits.']);
  }, 60_000);
});
