// `invorto bench artifacts`: how fast a call's recording reaches the artifact store. Upload throughput of 5 MB and
// 50 MB files through the S3 store (lib-storage: one PutObject under 8 MB, else 8 MB parts 4 at a time) to a local
// signature-checking S3-API server (s3rver behind the test proxy), against two baselines in the same run: one plain
// SDK PutObject of the same bytes (already in memory) to the same server, and the local-disk store. The server runs
// in a child process, as a real S3 runs elsewhere: in this process it would share one event loop (its MD5s, the
// client's SHA-256s) with the uploads it measures.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { LocalDiskStore } from '@invorto/artifacts/local-disk-store.ts';
import { s3Client } from '@invorto/artifacts/s3-settings.ts';
import type { S3StoreSettings } from '@invorto/artifacts/s3-settings.ts';
import { PART_SIZE_BYTES, S3ArtifactStore } from '@invorto/artifacts/s3-store.ts';
import { progress, writeReport, type Row } from '../report.ts';

const MB = 1024 * 1024;
const SIZES_MB = [5, 50];
const METHODS = ['s3Store', 's3StoreFromMemory', 'plainPutObject', 'localDisk'] as const;
type Method = (typeof METHODS)[number];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const handle = await open(path, 'w');
  for (let written = 0; written < bytes; written += MB) await handle.write(randomBytes(Math.min(MB, bytes - written)));
  await handle.close();
}

/** The test S3 server in a child process; it prints its settings, and closes when its stdin ends. */
async function startServerProcess(bucket: string): Promise<{ settings: S3StoreSettings; child: ChildProcess; stop(): Promise<void> }> {
  const serverModule = fileURLToPath(new URL('../../../proto/artifacts/testing/s3-server.ts', import.meta.url));
  const code = `const { startSignedS3Server } = await import(${JSON.stringify(serverModule)});
const server = await startSignedS3Server({ bucket: ${JSON.stringify(bucket)} });
process.stdout.write(JSON.stringify(server.settings) + '\\n');
process.stdin.resume();
process.stdin.on('end', () => server.close().then(() => process.exit(0)));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const settings = await new Promise<S3StoreSettings>((resolve, reject) => {
    child.stdout!.once('data', (line: Buffer) => resolve(JSON.parse(line.toString())));
    child.once('exit', (code) => reject(new Error(`the S3 test server process exited (${code}) before it listened`)));
  });
  return { settings, child, stop: async () => { child.stdin!.end(); await exited; } };
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { rounds: { type: 'string', default: '5' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } });
  if (values.help) {
    console.log('usage: invorto bench artifacts [--rounds N] [--json]\n\nUpload throughput (MB/s) of 5 MB and 50 MB files: S3 store vs plain PutObject vs local disk.');
    return;
  }
  const rounds = Math.max(1, Math.min(10, Number(values.rounds) || 5));
  const work = mkdtempSync(join(tmpdir(), 'invorto-bench-artifacts-'));
  const server = await startServerProcess('bench-artifacts');
  const store = new S3ArtifactStore(server.settings);
  const plain = s3Client(server.settings);
  const local = new LocalDiskStore({ dir: join(work, 'local') });
  const meta = { tenantId: 'bench', callId: 'bench-call', agentId: 'bench-agent', contentType: 'audio/wav' };
  const seconds: Record<string, Record<Method, number[]>> = {};
  try {
    const files = new Map<number, string>();
    for (const sizeMb of SIZES_MB) {
      files.set(sizeMb, join(work, `${sizeMb}mb.wav`));
      await writeRandomFile(files.get(sizeMb)!, sizeMb * MB);
    }
    // Warm the connections and the server's folders, so round 1 is not the only one paying for them.
    await store.put('bench/warmup', { bytes: randomBytes(1024) }, meta);
    await plain.send(new PutObjectCommand({ Bucket: server.settings.bucket, Key: 'bench/warmup-plain', Body: randomBytes(1024) }));

    const total = SIZES_MB.length * rounds * METHODS.length;
    let done = 0;
    for (const sizeMb of SIZES_MB) {
      const file = files.get(sizeMb)!;
      const bytes = await readFile(file);
      const key = `bench/2026/01/01/call-${sizeMb}mb/recording.wav`;
      const upload: Record<Method, () => Promise<unknown>> = {
        s3Store: () => store.put(key, { file }, meta),
        // The same bytes as PutObject gets: separates the store's own cost from reading the file.
        s3StoreFromMemory: () => store.put(`${key}.memory`, { bytes }, meta),
        plainPutObject: () => plain.send(new PutObjectCommand({ Bucket: server.settings.bucket, Key: `${key}.plain`, Body: bytes, ContentType: 'audio/wav' })),
        localDisk: () => local.put(key, { file }, meta),
      };
      seconds[`${sizeMb}MB`] = { s3Store: [], s3StoreFromMemory: [], plainPutObject: [], localDisk: [] };
      for (let round = 0; round < rounds; round++) {
        // Interleaved, so drift in the machine's load affects every method alike.
        for (const method of METHODS) {
          const startedNs = process.hrtime.bigint();
          await upload[method]();
          seconds[`${sizeMb}MB`][method].push(Number(process.hrtime.bigint() - startedNs) / 1e9);
          progress('artifact uploads', ++done, total);
        }
      }
    }
  } finally {
    store.close();
    plain.destroy();
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }

  const rows: Row[] = SIZES_MB.map((sizeMb) => {
    const s = seconds[`${sizeMb}MB`];
    const mbPerS = (method: Method) => sizeMb / median(s[method]);
    return {
      object: `${sizeMb} MB`,
      'S3 store requests': sizeMb * MB > PART_SIZE_BYTES ? `multipart, ${Math.ceil((sizeMb * MB) / PART_SIZE_BYTES)} parts` : '1 PutObject',
      'S3 store MB/s': mbPerS('s3Store'),
      'S3 store from memory MB/s': mbPerS('s3StoreFromMemory'),
      'plain PutObject MB/s': mbPerS('plainPutObject'),
      'local disk MB/s': mbPerS('localDisk'),
      'S3 store / PutObject': mbPerS('s3Store') / mbPerS('plainPutObject'),
      'S3 store from memory / PutObject': mbPerS('s3StoreFromMemory') / mbPerS('plainPutObject'),
      'S3 store / local disk': mbPerS('s3Store') / mbPerS('localDisk'),
    };
  });
  const data = { rounds, sizesMb: SIZES_MB, partSizeBytes: PART_SIZE_BYTES, secondsPerUpload: seconds, summary: rows };
  if (values.json) {
    console.log(JSON.stringify(data));
    return;
  }
  writeReport('artifacts', 'Artifact store: upload throughput', data, {
    [`Upload throughput, median of ${rounds} (loopback s3rver with signature checks behind the test proxy, in its own process; PutObject sends bytes already in memory, the stores read the file)`]: rows,
  });
}
