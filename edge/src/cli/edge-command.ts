// `invorto edge`: one edge node on its own, reading agents from a control service (or the demo agent).
import { helpText, parseOptions } from '../../../bin/options.ts';
import { edgeOptions, edgeStartOptions, startEdge } from '../start-edge.ts';
import { createLogger } from '../util/log.ts';
import { untilSignal } from '../../../bin/signals.ts';

export async function run(argv: string[]): Promise<number> {
  const { values, help } = parseOptions(edgeOptions, argv);
  if (help) {
    console.log(helpText('usage: invorto edge [options]', edgeOptions));
    return 0;
  }
  const log = createLogger({ service: 'edge', level: process.env.INVORTO_LOG_LEVEL });
  if (!values['media-token-secret']) {
    console.error('invorto edge: set INVORTO_MEDIA_TOKEN_SECRET (the secret carriers\' media tokens are signed with; mint them with `invorto token`)');
    return 2;
  }
  const edge = await startEdge(edgeStartOptions(values, log));
  log.info({ url: edge.url }, 'edge listening');
  const signal = await untilSignal();
  log.info({ signal, drainS: values['drain-s'] }, 'draining');
  const ended = await edge.drainAndClose();
  log.info({ ended }, 'edge stopped');
  return 0;
}
