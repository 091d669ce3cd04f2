// A real S3-API server (s3rver) on loopback for tests and benchmarks: its own folder, a bucket, and settings the edge's S3 client
// takes. s3rver does not check signatures; the SDK still signs every request as it would for AWS.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error s3rver ships no type declarations; the part used here is typed below.
import S3rver from 's3rver';
import type { S3Settings } from '../../src/providers/tts-cache/s3-phrase-store.ts';

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}

export interface S3TestServer {
  settings: S3Settings;
  dir: string;
  close(): Promise<void>;
}

export async function startS3Server(bucket = 'invorto-test'): Promise<S3TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'invorto-s3-'));
  const server: S3rverInstance = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  return {
    dir,
    settings: { bucket, endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
