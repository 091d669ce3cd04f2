// The cluster the multi-node test runs, all on 127.0.0.1: a real redis-server (the timeline), an S3-API server (the
// artifact store every node shares), two `invorto edge` processes and Kamailio running deploy/kamailio/kamailio.cfg
// (the repository's own file, its #!defines set on the command line) with a dispatcher list naming both edges.
// Every process logs to a file in the run's folder.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hasSipp } from '../../edge/test/helpers/sipp.ts';
import { redisServerMissing, startRedisServer, type RedisTestServer } from '../../edge/test/helpers/redis-server.ts';
import { postgresBinDir, startPostgres } from '../../control/test/helpers/postgres.ts';
import { startSignedS3Server, type SignedS3Server } from '../../proto/artifacts/testing/s3-server.ts';
import { freeUdpPort, spawnLogged, type LoggedProcess } from './processes.ts';

export const repoRoot = resolve(import.meta.dirname, '../..');

/**
 * True when a tool a cluster scenario needs is not installed: the scenario is skipped with a message. In CI, which
 * installs them all (.ci/run), a missing one is an error instead, so the cluster test cannot pass by not running.
 */
export function clusterToolsMissing(needsPostgres: boolean): boolean {
  const tools: [string, boolean][] = [['sipp (sip-tester)', hasSipp], ['kamailio', existsSync('/usr/sbin/kamailio')], ['redis-server', !redisServerMissing]];
  if (needsPostgres) tools.push(['postgresql', Boolean(postgresBinDir())]);
  const missing = tools.filter(([, present]) => !present).map(([name]) => name);
  if (missing.length && process.env.CI) throw new Error(`the cluster test needs ${missing.join(', ')} (apt-get install them; .ci/run does)`);
  if (missing.length) console.warn(`[cluster] skipped: ${missing.join(', ')} not installed`);
  return missing.length > 0;
}

export interface ClusterEdge { id: string; sipPort: number; rtpPortMin: number; process: LoggedProcess }

export interface Cluster {
  dir: string;
  redis: RedisTestServer;
  /** The shared artifact store (recordings, transcripts, histories) and the edges' shared phrase cache. */
  s3: SignedS3Server;
  edges: ClusterEdge[];
  kamailio: LoggedProcess;
  kamailioPort: number;
  controls: ClusterControl[];
  /** The default tenant's API key (printed by the first control on its first start). */
  apiKey: string;
  /** Starts an edge again with its id and ports (after it exited). */
  restartEdge(edge: ClusterEdge): Promise<void>;
  /** Stops every process; the folder (logs) is removed unless `keepLogs` (a failed run keeps them to read). */
  stop(options?: { keepLogs?: boolean }): Promise<void>;
}

export interface ClusterOptions {
  /** How long a SIGTERMed edge's calls may go on (INVORTO_DRAIN_S). */
  drainS: number;
  /** Kamailio's OPTIONS probe interval. */
  pingIntervalS: number;
  /** Control replicas on one PostgreSQL (and the Redis timeline); the edges heartbeat to the first. None: edges alone. */
  controlReplicas?: number;
}

export interface ClusterControl { url: string; internalUrl: string; process: LoggedProcess }

/** Each dispatcher destination's flags (A active, I inactive, P probing) as `kamcmd dispatcher.list` reports them. */
export function dispatcherStates(ctlSocket: string): Map<string, string> {
  const out = spawnSync('kamcmd', ['-s', `unix:${ctlSocket}`, 'dispatcher.list'], { encoding: 'utf8', timeout: 5000 }).stdout ?? '';
  return new Map([...out.matchAll(/URI: (\S+)\s+FLAGS: (\S+)/g)].map((m) => [m[1], m[2]]));
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'invorto-cluster-'));
  const started: { stop(): Promise<void> }[] = [];
  try {
    const redis = await startRedisServer();
    started.push({ stop: () => redis.close() });
    // S3 for artifacts (issue #20: edges hold nothing between calls), on a server that checks SigV4 signatures as
    // AWS does, so a wrongly signed request fails here too. Every node gets it through the same INVORTO_S3_*
    // variables (edge and control read the same names); the prefix is set empty so a developer's own does not leak in.
    const s3 = await startSignedS3Server();
    started.push({ stop: () => s3.close() });
    const s3Env = {
      INVORTO_S3_BUCKET: s3.settings.bucket, INVORTO_S3_ENDPOINT: s3.settings.endpoint!, INVORTO_S3_REGION: s3.settings.region!,
      INVORTO_S3_ACCESS_KEY_ID: s3.settings.accessKeyId!, INVORTO_S3_SECRET_ACCESS_KEY: s3.settings.secretAccessKey!, INVORTO_S3_PREFIX: '',
    };
    const controls: ClusterControl[] = [];
    let apiKey = '';
    const internalToken = 'cluster-test-internal-token-0123456789';
    if (options.controlReplicas) {
      const postgres = await startPostgres();
      started.push({ stop: async () => postgres.stop() });
      // One after the other: the first creates the schema and the default tenant, the others find them.
      for (let i = 0; i < options.controlReplicas; i++) {
        const control = spawnLogged(`control-${i + 1}`, dir, process.execPath, [
          join(repoRoot, 'bin/invorto.js'), 'control', '--control-port', '0', '--internal-port', '0', '--data-dir', join(dir, `control-${i + 1}`),
        ], { cwd: repoRoot, env: { ...process.env, ...s3Env, DATABASE_URL: postgres.url, REDIS_URL: redis.url, INVORTO_INTERNAL_TOKEN: internalToken, INVORTO_JWT_SECRET: 'cluster-test-jwt-secret-0123456789-0123456789' } });
        started.push(control);
        const line = (await control.waitFor(/control listening on (\S+) .*internal API for edges on (\S+)/, 60_000)).text;
        const [, url, internalUrl] = /control listening on (\S+) .*internal API for edges on (\S+)/.exec(line)!;
        controls.push({ url, internalUrl, process: control });
        if (i === 0) apiKey = /API key of the default tenant \(shown once\): (\S+)/.exec((await control.waitFor(/API key of the default tenant/, 10_000)).text)![1];
      }
    }
    const edges: ClusterEdge[] = [];
    for (const [index, id] of ['edge-a', 'edge-b'].entries()) {
      const edge: ClusterEdge = { id, sipPort: await freeUdpPort(), rtpPortMin: 41000 + index * 2000, process: null as unknown as LoggedProcess };
      edges.push(edge);
    }
    const launchEdge = (edge: ClusterEdge) => {
      edge.process = spawnLogged(`${edge.id}${edge.process ? '-restarted' : ''}`, dir, process.execPath, [
        join(repoRoot, 'bin/invorto.js'), 'edge', '--edge-id', edge.id, '--edge-port', '0', '--data-dir', join(dir, edge.id),
        '--sip-port', String(edge.sipPort), '--rtp-port-min', String(edge.rtpPortMin), '--rtp-port-max', String(edge.rtpPortMin + 1999),
        '--redis-url', redis.url, '--drain-s', String(options.drainS),
        ...(controls.length ? ['--control-url', controls[0].internalUrl, '--internal-token', internalToken] : []),
      ], { cwd: repoRoot, env: { ...process.env, ...s3Env, INVORTO_MEDIA_TOKEN_SECRET: 'cluster-test-media-token-secret-0123456789' } });
      started.push(edge.process);
    };
    for (const edge of edges) launchEdge(edge);
    await Promise.all(edges.map((e) => e.process.waitFor(/edge listening/, 60_000)));

    const kamailioPort = await freeUdpPort();
    const list = join(dir, 'dispatcher.list');
    writeFileSync(list, edges.map((e) => `1 sip:127.0.0.1:${e.sipPort} 0 0 duid=${e.id}\n`).join(''));
    const kamailio = spawnLogged('kamailio', dir, '/usr/sbin/kamailio', [
      '-DD', '-E', '-f', join(repoRoot, 'deploy/kamailio/kamailio.cfg'), '-Y', dir,
      '-A', `DISPATCHER_LIST="${list}"`, '-A', `LISTEN_ADDR=udp:127.0.0.1:${kamailioPort}`,
      '-A', `CTL_SOCKET="unix:${join(dir, 'kamailio.ctl')}"`, '-A', `PING_INTERVAL_S=${options.pingIntervalS}`,
    ]);
    started.push({ stop: async () => { kamailio.signal('SIGTERM'); await Promise.race([kamailio.exited, new Promise((r) => setTimeout(r, 3000))]); await kamailio.stop(); } });
    const ctl = join(dir, 'kamailio.ctl');
    // Both edges active in the dispatcher, after two probes each have had time to answer.
    await new Promise((r) => setTimeout(r, 2500 * options.pingIntervalS));
    for (let i = 0; ; i++) {
      const states = dispatcherStates(ctl);
      if (edges.every((e) => states.get(`sip:127.0.0.1:${e.sipPort}`)?.startsWith('A'))) break;
      if (i === 100) throw new Error(`Kamailio has not both edges active: ${JSON.stringify([...states])}; see kamailio.log`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return {
      dir, redis, s3, edges, kamailio, kamailioPort, controls, apiKey,
      async restartEdge(edge) {
        launchEdge(edge);
        await edge.process.waitFor(/edge listening/, 60_000);
      },
      async stop({ keepLogs = false } = {}) {
        for (const s of started.reverse()) await s.stop().catch(() => {});
        if (keepLogs) console.log(`cluster logs kept in ${dir}`);
        else rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const s of started.reverse()) await s.stop().catch(() => {});
    throw error;
  }
}
