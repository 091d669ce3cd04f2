// `invorto timeline CALL_ID`: a call's full timeline, in order, one JSON object per line, from Redis (REDIS_URL)
// or from the embedded log files in the data dir.
import { helpText, parseOptions } from '../../../bin/options.ts';
import { eventJson } from '@invorto/timeline/event-json.ts';
import { openTimelineReader } from '@invorto/timeline/open-timeline.ts';

const timelineOptions = {
  'data-dir': { env: 'INVORTO_DATA_DIR', default: './data', description: 'data dir whose timeline/ holds the embedded logs' },
  'redis-url': { env: 'REDIS_URL', default: '', description: 'read the timeline from Redis Streams instead', secret: true },
};

export async function run(argv: string[]): Promise<number> {
  const { values, help, positionals } = parseOptions(timelineOptions, argv);
  if (help || positionals.length !== 1) {
    console.log(helpText('usage: invorto timeline CALL_ID [options]   (JSON lines, in sequence order)', timelineOptions));
    return help ? 0 : 2;
  }
  const reader = await openTimelineReader({ redisUrl: values['redis-url'] || undefined, dataDir: values['data-dir'] });
  try {
    const entries = await reader.callTimeline(positionals[0]);
    if (entries.length === 0) {
      console.error(`invorto timeline: no events for call "${positionals[0]}" in ${values['redis-url'] ? 'Redis' : `${values['data-dir']}/timeline`}`);
      return 1;
    }
    for (const entry of entries) process.stdout.write(`${JSON.stringify(eventJson(entry.event))}\n`);
    return 0;
  } finally {
    await reader.close?.();
  }
}
