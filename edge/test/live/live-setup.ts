// A real control and a real edge wired for the live monitor (over Redis or over control's internal socket), the
// Deepgram and OpenAI emulators behind the edge, and a watcher that speaks the browser's side of GET /v1/live.
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { mintMediaToken } from '../../src/auth/media-token.ts';
import { startEdge, type RunningEdge } from '../../src/start-edge.ts';
import { silentLogger } from '../../src/util/log.ts';
import { startDeepgramEmulator, startOpenAiEmulator, type DeepgramEmulator, type OpenAiEmulator } from '../../testing/emulators/index.ts';
import { INTERNAL_TOKEN, startTestControl, type TestControl } from '../../../control/test/helpers/test-control.ts';
import { startRedisServer, type RedisTestServer } from '../helpers/redis-server.ts';

export type Transport = 'redis' | 'control';

export interface LiveRig {
  control: TestControl;
  edge: RunningEdge;
  redis: RedisTestServer | null;
  mediaUrl: string;
  /** Another edge like the first (same control, channel and media token), and the media URL that reaches it. */
  addEdge(edgeId: string): Promise<{ edge: RunningEdge; mediaUrl: string }>;
  close(): Promise<void>;
}

export async function startLiveRig(transport: Transport): Promise<LiveRig> {
  const redis = transport === 'redis' ? await startRedisServer() : null;
  const deepgram: DeepgramEmulator = await startDeepgramEmulator({ listen: { utterances: [{ transcript: 'What are your opening hours?' }], finalDelayMs: 50 }, speak: { firstByteMs: 40 } });
  const openai: OpenAiEmulator = await startOpenAiEmulator({ firstTokenMs: 60, responder: () => ({ text: 'We are open from nine to six, Monday to Saturday.' }) });
  const control = await startTestControl('sqlite', { ingestTimeline: true, redisUrl: redis?.url });
  const mediaTokenSecret = randomBytes(16).toString('hex');
  const edgeLike = (edgeId: string) => startEdge({
    host: '127.0.0.1', port: 0, controlUrl: control.internalUrl, dataDir: control.dataDir, internalToken: INTERNAL_TOKEN, maxMessageBytes: 65536,
    mediaTokenSecret, maxCalls: 10, noMediaTimeoutMs: 10_000, drainMs: 1000, edgeId, heartbeatMs: 500, redisUrl: redis?.url,
    keys: { deepgramApiKey: 'test-deepgram-key', deepgramBaseUrl: deepgram.url, openaiApiKey: 'test-openai-key', openaiBaseUrl: `${openai.url}/v1`, openaiModel: 'gpt-4o-mini' },
    log: silentLogger,
  });
  const edge = await edgeLike(`edge-live-${transport}`);
  const extra: RunningEdge[] = [];
  const token = mintMediaToken(mediaTokenSecret, { tenantId: control.tenantId, agentId: 'demo', expiresAt: Date.now() / 1000 + 600 });
  const mediaUrlOf = (e: RunningEdge) => `${e.url.replace(/^http/, 'ws')}/media/twilio?token=${token}`;
  return {
    control, edge, redis,
    mediaUrl: mediaUrlOf(edge),
    async addEdge(edgeId) {
      const another = await edgeLike(edgeId);
      extra.push(another);
      return { edge: another, mediaUrl: mediaUrlOf(another) };
    },
    async close() {
      for (const e of extra) await e.close();
      await edge.close();
      await control.close();
      await deepgram.close();
      await openai.close();
      await redis?.close();
    },
  };
}

export interface Received { atMs: number; message: Record<string, unknown> & { type: string } }

/** A browser's live socket: every message it got, with when. */
export class Watcher {
  readonly received: Received[] = [];
  readonly socket: WebSocket;
  readonly opened: Promise<void>;

  constructor(controlUrl: string, credential: string) {
    this.socket = new WebSocket(`${controlUrl.replace(/^http/, 'ws')}/v1/live`, ['invorto.live', `bearer.${credential}`]);
    this.socket.on('message', (data) => this.received.push({ atMs: performance.now(), message: JSON.parse(String(data)) }));
    this.opened = new Promise((resolve, reject) => { this.socket.once('open', () => resolve()); this.socket.once('error', reject); });
  }

  send(request: object): void {
    this.socket.send(JSON.stringify(request));
  }

  of(type: string): Received[] {
    return this.received.filter((r) => r.message.type === type);
  }

  close(): void {
    this.socket.close();
  }
}

export async function until<T>(probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The id of a call in progress as GET /v1/live/calls lists it (the first one not in `except`). */
export async function liveCallId(control: TestControl, except: string[] = []): Promise<string> {
  return until(async () => {
    const { calls } = await (await control.api('/v1/live/calls')).json() as { calls: { id: string }[] };
    return calls.find((c) => !except.includes(c.id))?.id;
  }, 'the call listed by GET /v1/live/calls', 20_000);
}
