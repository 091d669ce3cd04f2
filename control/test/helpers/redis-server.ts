// A redis-server on loopback for control's tests (control's tests never import the edge's helpers): a free port,
// no persistence, killed after, and killed with the test process if a test dies first.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { freePort } from './postgres.ts';

const REDIS_SERVER = '/usr/bin/redis-server';
export const redisServerMissing = !existsSync(REDIS_SERVER);
if (redisServerMissing) console.warn('[test] redis-server is not installed (apt-get install redis-server): control\'s Redis tests are skipped');

export async function startRedisServer(): Promise<{ url: string; close(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const url = `redis://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 10_000; ;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {}); // refused while the server starts: connect() rejects with it, and we try again
    try {
      await client.connect();
      await client.ping();
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`redis-server did not answer on port ${port}: ${(error as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      client.disconnect();
    }
  }
  return {
    url,
    async close() {
      process.off('exit', killOnExit);
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
