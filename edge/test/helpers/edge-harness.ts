// Starts a real edge on a loopback port with a temporary data dir and a log captured in memory.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { mintMediaToken } from '../../src/auth/media-token.ts';
import type { AgentConfig } from '../../src/agents/types.ts';
import { startEdge, type RunningEdge } from '../../src/start-edge.ts';
import { createLogger } from '../../src/util/log.ts';
import { placeTwilioCall, type CallerResult } from '../../src/sim/carrier-caller.ts';
import { silenceFrames, speechFrames } from '../../src/sim/caller-sounds.ts';

export interface EdgeHarness {
  edge: RunningEdge;
  /** The Twilio media URL with a valid token for the demo agent. */
  mediaUrl: string;
  /** The media URL without a token. */
  bareMediaUrl: string;
  mediaTokenSecret: string;
  dataDir: string;
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startTestEdge(
  keys: Partial<RunningKeys> = {},
  options: { controlUrl?: string; internalToken?: string; maxCalls?: number; noMediaTimeoutMs?: number; drainMs?: number; twilioAuthToken?: string; sip?: boolean; agent?: AgentConfig } = {},
): Promise<EdgeHarness> {
  const mediaTokenSecret = randomBytes(16).toString('hex');
  const dataDir = mkdtempSync(join(tmpdir(), 'invorto-edge-'));
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      done();
    },
  });
  const edge = await startEdge({
    host: '127.0.0.1', port: 0, controlUrl: options.controlUrl ?? '', dataDir, internalToken: options.internalToken ?? '', maxMessageBytes: 65536,
    mediaTokenSecret, twilioAuthToken: options.twilioAuthToken, maxCalls: options.maxCalls ?? 50,
    sip: options.sip ? { port: 0, rtpPortMin: 41000, rtpPortMax: 41999, allow: ['127.0.0.1'], tenantId: 'default' } : undefined, noMediaTimeoutMs: options.noMediaTimeoutMs ?? 10_000, drainMs: options.drainMs ?? 2000,
    keys: { deepgramApiKey: '', deepgramBaseUrl: '', openaiApiKey: '', openaiBaseUrl: '', openaiModel: 'gpt-4o-mini', ...keys },
    log: createLogger({ service: 'edge', level: 'info', destination }),
    agent: options.agent,
  });
  const bareMediaUrl = `${edge.url.replace(/^http/, 'ws')}/media/twilio`;
  const token = mintMediaToken(mediaTokenSecret, { tenantId: 'default', agentId: 'demo', expiresAt: Date.now() / 1000 + 600 });
  return {
    edge,
    mediaUrl: `${bareMediaUrl}?token=${token}`,
    bareMediaUrl,
    mediaTokenSecret,
    dataDir,
    logs,
    async close() {
      await edge.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

type RunningKeys = { deepgramApiKey: string; deepgramBaseUrl: string; openaiApiKey: string; openaiBaseUrl: string; openaiModel: string };

/** The keys that point an edge's real Deepgram and OpenAI SDKs at the loopback emulators. */
export function emulatorKeys(deepgram: { url: string }, openai: { url: string }): Partial<RunningKeys> {
  return { deepgramApiKey: 'test-deepgram-key', deepgramBaseUrl: deepgram.url, openaiApiKey: 'test-openai-key', openaiBaseUrl: `${openai.url}/v1` };
}

/** A Twilio caller who waits out the greeting (5 s), says one sentence, and hangs up once the agent is quiet. */
export async function callSaying(harness: EdgeHarness, sentence: string): Promise<CallerResult> {
  const frames = [...silenceFrames(5000), ...(await speechFrames(sentence)), ...silenceFrames(500)];
  return placeTwilioCall({ url: harness.mediaUrl, frames, quietHangupMs: 2500, maxDurationMs: 40_000 });
}
