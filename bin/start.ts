// `invorto start`: control and edge in one process on embedded defaults: no keys, no servers. Ctrl-C stops both.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { controlOptions, controlStartOptions, startControl } from '../control/src/start-control.ts';
import { edgeOptions, edgeStartOptions, mediaTokenSecretFor, reloadEdge, startEdge } from '../edge/src/start-edge.ts';
import { pocketsphinxAvailable } from '../edge/src/providers/offline/index.ts';
import { createLogger } from '../edge/src/util/log.ts';
import { helpText, parseOptions } from './options.ts';
import { holdReloadSignals, untilSignal } from './signals.ts';
import { secretReloader } from './secrets-reload.ts';
import { reloadableEdgeOptions } from '../edge/src/cli/edge-command.ts';

const startOptions = { ...controlOptions, ...edgeOptions };

export async function run(argv: string[]): Promise<number> {
  const { values, help } = parseOptions(startOptions, argv);
  if (help) {
    console.log(helpText('usage: invorto start [options]', startOptions));
    return 0;
  }
  const whenReady = holdReloadSignals();
  const log = createLogger({ service: 'invorto', level: process.env.INVORTO_LOG_LEVEL });
  const dataDir = resolve(values['data-dir']);
  const internalToken = values['internal-token'] || randomBytes(24).toString('base64url');
  const control = await startControl({ ...controlStartOptions(values), dataDir, internalToken, log: (line) => log.info(line) });
  let edge;
  try {
    const mediaTokenSecret = mediaTokenSecretFor(values['media-token-secret'], dataDir);
    edge = await startEdge(edgeStartOptions({ ...values, 'data-dir': dataDir, 'internal-token': internalToken, 'control-url': values['control-url'] || control.internalUrl, 'media-token-secret': mediaTokenSecret }, log));
  } catch (error) {
    await control.close();
    throw error;
  }
  const mediaUrl = `${edge.url.replace(/^http/, 'ws')}/media/twilio`;
  const engines = [
    `ASR ${values['deepgram-api-key'] ? 'Deepgram' : pocketsphinxAvailable() ? 'pocketsphinx (offline)' : 'none: apt-get install pocketsphinx pocketsphinx-en-us'}`,
    `LLM ${values['openai-api-key'] ? `OpenAI ${values['openai-model']}` : 'scripted intents (offline)'}`,
    `TTS ${values['deepgram-api-key'] ? 'Deepgram Aura-2' : 'Flite (offline)'}`,
  ];
  console.log([
    '',
    'Invorto is running.',
    `  control   ${control.url}   (API docs at /docs; "Authorization: Bearer <api key or access token>")`,
    `  dashboard ${control.url}/   (sign in with the owner's login)`,
    `  edge      ${edge.url}   (GET /health, /metrics)`,
    `  media     ${mediaUrl}?token=…   (Twilio Media Streams; mint tokens with \`invorto token\`)`,
    ...(edge.sip ? [`  sip       udp ${values['edge-host']}:${edge.sip.port}   (INVITE sip:<agent>@host; RTP ports ${values['rtp-port-min']}-${values['rtp-port-max']}; from ${values['sip-allow']})`] : []),
    `  data      ${dataDir}`,
    `  engines   ${engines.join('; ')}`,
    ...(control.newApiKey ? [`  API key   ${control.newApiKey}   (default tenant; shown once, keep it)`] : []),
    ...(control.newLogin ? [`  login     ${control.newLogin.email} / ${control.newLogin.password}   (one-time password: change it with POST /v1/auth/password)`] : []),
    '',
    `Place a test call:  ${testCallCommand(mediaUrl, dataDir)}`,
    'Stop with Ctrl-C.',
    '',
  ].join('\n'));
  const running = edge; // narrowed for the handler
  whenReady(secretReloader({ specs: startOptions, argv, started: values, reloadable: [...reloadableEdgeOptions], log, apply: (fresh) => reloadEdge(running, { ...fresh, 'media-token-secret': mediaTokenSecretFor(fresh['media-token-secret'], dataDir) }) }));
  const signal = await untilSignal();
  log.info({ signal, drainS: values['drain-s'] }, 'stopping: draining calls');
  await edge.drainAndClose();
  await control.close();
  return 0;
}

/** The quick start's test call, with the flags this run needs beyond `invorto call`'s defaults. */
export function testCallCommand(mediaUrl: string, dataDir: string): string {
  const flags = [
    ...(mediaUrl === 'ws://127.0.0.1:8081/media/twilio' ? [] : [`--to ${mediaUrl}`]),
    ...(dataDir === resolve('./data') ? [] : [`--data-dir ${JSON.stringify(dataDir)}`]),
  ];
  return ['npx invorto call --say "What time do you open tomorrow?"', ...flags, '--out reply.wav'].join(' ');
}
