// Starts a real edge on a loopback port with a temporary data dir and a log captured in memory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startEdge, type RunningEdge } from '../../src/start-edge.ts';
import { createLogger } from '../../src/util/log.ts';

export interface EdgeHarness {
  edge: RunningEdge;
  mediaUrl: string;
  dataDir: string;
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startTestEdge(keys: Partial<RunningKeys> = {}, options: { controlUrl?: string; internalToken?: string } = {}): Promise<EdgeHarness> {
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
    keys: { deepgramApiKey: '', deepgramBaseUrl: '', openaiApiKey: '', openaiBaseUrl: '', openaiModel: 'gpt-4o-mini', ...keys },
    log: createLogger({ service: 'edge', level: 'info', destination }),
  });
  return {
    edge,
    mediaUrl: `${edge.url.replace(/^http/, 'ws')}/media/twilio`,
    dataDir,
    logs,
    async close() {
      await edge.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

type RunningKeys = { deepgramApiKey: string; deepgramBaseUrl: string; openaiApiKey: string; openaiBaseUrl: string; openaiModel: string };
