// Which timeline a process uses: Redis Streams when REDIS_URL is set, else the embedded log files in the data dir.
// Redis modules load only when Redis is used, so an embedded node never loads ioredis.
import { join } from 'node:path';
import { EmbeddedLog } from './embedded-log.ts';
import { EmbeddedTimelineReader } from './embedded-reader.ts';
import type { TimelineReader, TimelineSink, TimelineSinkEvents } from './timeline-log.ts';
import type { TypedEmitter } from '@invorto/dsp/typed-emitter.ts';

export type ObservableSink = TimelineSink & TypedEmitter<TimelineSinkEvents>;

/** The timeline folder of a data dir: embedded logs, the Redis spool, consumer positions, dead letters. */
export const timelineDir = (dataDir: string) => join(dataDir, 'timeline');

/** The edge's sink. Each worker process has its own file (appends from two processes must not interleave). */
export async function openTimelineSink(options: { redisUrl?: string; dataDir: string; workerIndex?: number }): Promise<ObservableSink> {
  const worker = options.workerIndex ?? 0;
  const suffix = worker === 0 ? '' : `-w${worker}`;
  if (options.redisUrl) {
    const { RedisTimelineSink } = await import('./redis-sink.ts');
    return new RedisTimelineSink({ url: options.redisUrl, spoolFile: join(timelineDir(options.dataDir), `spool${suffix}.log`) });
  }
  return new EmbeddedLog(join(timelineDir(options.dataDir), `events${suffix}.log`));
}

export async function openTimelineReader(options: { redisUrl?: string; dataDir: string }): Promise<TimelineReader & { close?(): Promise<void> }> {
  if (options.redisUrl) {
    const { RedisTimelineReader } = await import('./redis-reader.ts');
    return new RedisTimelineReader({ url: options.redisUrl });
  }
  return new EmbeddedTimelineReader(timelineDir(options.dataDir));
}
