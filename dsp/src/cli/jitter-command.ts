// `invorto jitter TRACE.csv`: the adaptive jitter buffer over an RTP arrival trace, as JSON.
import { readFileSync } from 'node:fs';
import { runAdaptive } from '../jitter-trace.ts';
import { parseTrace } from '../rtp-trace.ts';

const USAGE = `usage: invorto jitter TRACE.csv

Plays an RTP arrival trace (CSV "seq,rtp_ts,send_ms,arrival_ms", rows in arrival order, lost packets with an empty
arrival_ms) through the adaptive jitter buffer and prints {"playout":[{"play_ms":…,"seq":n|null}],"stats":{…}}.

The playout clock ticks every 20 ms from the first packet's arrival (play_ms is in the trace's clock); playout
starts once the target delay has passed. Each entry is one 20 ms slot: the packet it played, or null when the slot
was concealed (packet lost, not yet arrived, or the buffer stretched to grow its delay). A packet is late-lost when
it arrives after playout has moved past it; packets skipped on purpose to shrink the delay count as "dropped".`;

export async function run(argv: string[]): Promise<number> {
  const file = argv.find((a) => !a.startsWith('-'));
  if (!file || argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return file ? 0 : 2;
  }
  try {
    const rows = parseTrace(readFileSync(file, 'utf8'), file);
    if (rows.length === 0) throw new Error(`${file}: no packets`);
    console.log(JSON.stringify(runAdaptive(rows)));
    return 0;
  } catch (error) {
    console.error(`invorto jitter: ${(error as Error).message}`);
    return 1;
  }
}
