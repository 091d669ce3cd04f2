// Starts an edge node from resolved options; used by `invorto edge` and `invorto start`.
import { join } from 'node:path';
import type { OptionSpec } from '../../bin/options.ts';
import { ControlAgentSource, StaticAgentSource } from './agents/agent-source.ts';
import { ProviderRegistry } from './providers/registry.ts';
import { EdgeServer } from './server/edge-server.ts';
import { EmbeddedLog } from './timeline/embedded-log.ts';
import type { Logger } from './util/log.ts';

export const edgeOptions = {
  'edge-host': { env: 'INVORTO_EDGE_HOST', default: '127.0.0.1', description: 'address the edge binds (media WebSockets, /health, /metrics)' },
  'edge-port': { env: 'INVORTO_EDGE_PORT', default: 8081, description: 'port of the edge (0 = any free port)' },
  'control-url': { env: 'INVORTO_CONTROL_URL', default: '', description: 'control service the edge reads agents from (empty: the built-in demo agent)' },
  'data-dir': { env: 'INVORTO_DATA_DIR', default: './data', description: 'folder for the embedded database, timeline log and artifacts' },
  'internal-token': { env: 'INVORTO_INTERNAL_TOKEN', default: '', description: 'shared secret between edge and control', secret: true },
  'max-message-bytes': { env: 'INVORTO_MAX_MESSAGE_BYTES', default: 65536, description: 'largest media-socket message accepted' },
  'deepgram-api-key': { env: 'DEEPGRAM_API_KEY', default: '', description: 'Deepgram key: enables Deepgram ASR and Aura-2 TTS for agents on "auto"', secret: true },
  'deepgram-url': { env: 'DEEPGRAM_BASE_URL', default: '', description: 'Deepgram API base URL (for emulators or a proxy)' },
  'openai-api-key': { env: 'OPENAI_API_KEY', default: '', description: 'OpenAI key: enables OpenAI chat for agents on "auto"', secret: true },
  'openai-url': { env: 'OPENAI_BASE_URL', default: '', description: 'OpenAI API base URL (for emulators or a proxy)' },
  'openai-model': { env: 'OPENAI_MODEL', default: 'gpt-4o-mini', description: 'OpenAI chat model' },
} satisfies Record<string, OptionSpec>;

export interface EdgeStartOptions {
  host: string;
  port: number;
  controlUrl: string;
  dataDir: string;
  internalToken: string;
  maxMessageBytes: number;
  keys: { deepgramApiKey: string; deepgramBaseUrl: string; openaiApiKey: string; openaiBaseUrl: string; openaiModel: string };
  log: Logger;
}

export interface RunningEdge {
  server: EdgeServer;
  url: string;
  close(): Promise<void>;
}

export async function startEdge(options: EdgeStartOptions): Promise<RunningEdge> {
  const timeline = new EmbeddedLog(join(options.dataDir, 'timeline', 'events.log'));
  const server = new EdgeServer({
    host: options.host,
    port: options.port,
    agents: options.controlUrl ? new ControlAgentSource(options.controlUrl, options.internalToken) : new StaticAgentSource(),
    providers: new ProviderRegistry(options.keys),
    timeline,
    log: options.log,
    maxMessageBytes: options.maxMessageBytes,
  });
  try {
    await server.listen();
  } catch (error) {
    timeline.close();
    throw error;
  }
  return {
    server,
    url: server.url,
    async close() {
      await server.close();
      timeline.close();
    },
  };
}

export function edgeStartOptions(values: { [K in keyof typeof edgeOptions]: (typeof edgeOptions)[K]['default'] extends number ? number : string }, log: Logger): EdgeStartOptions {
  return {
    host: values['edge-host'],
    port: values['edge-port'],
    controlUrl: values['control-url'],
    dataDir: values['data-dir'],
    internalToken: values['internal-token'],
    maxMessageBytes: values['max-message-bytes'],
    keys: {
      deepgramApiKey: values['deepgram-api-key'],
      deepgramBaseUrl: values['deepgram-url'],
      openaiApiKey: values['openai-api-key'],
      openaiBaseUrl: values['openai-url'],
      openaiModel: values['openai-model'],
    },
    log,
  };
}
