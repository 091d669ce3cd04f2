// An edge in this process for one benchmark call: loopback, a temporary data dir, the agent under test, and the
// emulated Deepgram and OpenAI endpoints. Its log is discarded; its timeline is read back after the call.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { v1 } from '@invorto/proto';
import type { AgentConfig } from '@invorto/proto/agent-config.ts';
import { mintMediaToken } from '@invorto/edge/auth/media-token.ts';
import { startEdge } from '@invorto/edge/start-edge.ts';
import { EmbeddedLog } from '@invorto/timeline/embedded-log.ts';
import { createLogger } from '@invorto/edge/util/log.ts';

export interface BenchEdge {
  mediaUrl: string;
  timeline(): ReturnType<typeof v1.CallEvent.decode>[];
  close(): Promise<void>;
}

export async function startBenchEdge(agent: AgentConfig, providers: { deepgramUrl: string; openaiUrl: string }): Promise<BenchEdge> {
  const secret = randomBytes(16).toString('hex');
  const dataDir = mkdtempSync(join(tmpdir(), 'invorto-bench-turns-'));
  const edge = await startEdge({
    host: '127.0.0.1', port: 0, controlUrl: '', dataDir, internalToken: '', maxMessageBytes: 65536, mediaTokenSecret: secret, maxCalls: 10,
    noMediaTimeoutMs: 10_000, drainMs: 1000, agent,
    keys: { deepgramApiKey: 'bench-deepgram-key', deepgramBaseUrl: providers.deepgramUrl, openaiApiKey: 'bench-openai-key', openaiBaseUrl: `${providers.openaiUrl}/v1`, openaiModel: 'gpt-4o-mini' },
    log: createLogger({ service: 'edge', level: 'error', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) }),
  });
  const token = mintMediaToken(secret, { tenantId: 'default', agentId: agent.id, expiresAt: Date.now() / 1000 + 600 });
  return {
    mediaUrl: `${edge.url.replace(/^http/, 'ws')}/media/twilio?token=${token}`,
    timeline: () => EmbeddedLog.read(join(dataDir, 'timeline', 'events.log')).map((bytes) => v1.CallEvent.decode(bytes)),
    async close() {
      await edge.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
