// A real redis-server on loopback for tests: a free port, its own folder, no persistence unless asked. stop() and
// cont() freeze and thaw it (SIGSTOP keeps the TCP connections up, so clients see a slow server, not a dead one);
// kill() and restart() lose the process but keep the port and folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/cli/edge-pool.ts';

export const REDIS_SERVER_PATH = '/usr/bin/redis-server';
export const redisServerMissing = !existsSync(REDIS_SERVER_PATH);
export const REDIS_SERVER_MISSING_REASON = 'redis-server not installed: apt-get install redis-server';

export interface RedisTestServer {
  url: string;
  port: number;
  readonly pid: number;
  dir: string;
  /** SIGSTOP: the server stops answering; connections stay open and commands queue in the kernel. */
  stop(): void;
  /** SIGCONT: it answers again, including everything sent while stopped. */
  cont(): void;
  /** SIGKILL, and wait until it has exited. */
  kill(): Promise<void>;
  /** Starts it again on the same port and folder (an append-only file in it is loaded). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface RedisServerOptions {
  /** Every write fsynced to an append-only file, so a killed server comes back with its data. */
  persistent?: boolean;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisTestServer> {
  if (redisServerMissing) throw new Error(REDIS_SERVER_MISSING_REASON);
  const dir = mkdtempSync(join(tmpdir(), 'invorto-redis-'));
  const port = await freePort('127.0.0.1');
  const persistence = options.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', dir, '--daemonize', 'no'];
  let child: ChildProcess | null = null;
  // A test that dies before close() must not leave a server behind.
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const launch = async () => {
    const output: string[] = [];
    const started = spawn(REDIS_SERVER_PATH, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    started.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
    started.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    try {
      await waitForPong(port, started, 10_000);
    } catch (error) {
      started.kill('SIGKILL');
      throw new Error(`${(error as Error).message}; redis-server said: ${output.join('').slice(-2000)}`);
    }
  };
  const kill = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    get pid() {
      return child?.pid ?? -1;
    },
    stop: () => void child?.kill('SIGSTOP'),
    cont: () => void child?.kill('SIGCONT'),
    kill,
    restart: launch,
    async close() {
      await kill();
      process.off('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Speaks RESP by hand, so waiting for the server needs no client library and leaves no reconnecting client. */
async function waitForPong(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode} before answering PING on port ${port}`);
    const answered = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      const done = (ok: boolean) => (socket.destroy(), resolve(ok));
      socket.setTimeout(500, () => done(false));
      socket.once('error', () => done(false));
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    });
    if (answered) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not answer PING on 127.0.0.1:${port} within ${timeoutMs} ms`);
}
