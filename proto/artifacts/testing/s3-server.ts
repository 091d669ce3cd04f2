// A real S3-API server for tests and benchmarks: @20minutes/s3rver (which verifies SigV4 signatures) behind a
// loopback proxy that can inject faults (500, 503, SlowDown, a reset connection) into the next requests. The proxy
// forwards each request with the Host header the client signed, streaming bodies both ways unchanged. s3rver 4 gets
// the signature of path-style bucket requests wrong; fixBucketPathSigning below corrects that inside s3rver.
//
// s3rver lacks three things the artifact store uses; the proxy answers them itself, without checking signatures:
// bucket lifecycle configuration (PUT/GET/DELETE ?lifecycle: s3rver answers 501 NotImplemented; kept in memory here
// as the XML the SDK sent), ListMultipartUploads (GET ?uploads: 501 in s3rver; answered from the uploads s3rver
// holds on disk) and AbortMultipartUpload (DELETE ?uploadId: 405 in s3rver; removes that upload's parts on disk).
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error s3rver ships no type declarations; the part used here is typed below.
import S3rver from '@20minutes/s3rver';
import type { S3StoreSettings } from '../src/s3-settings.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

interface KoaContext {
  path: string;
  mountPath?: string;
  state: { vhost?: boolean };
}

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  /** s3rver is a Koa app: its middleware, the router last. */
  middleware: ((ctx: KoaContext, next: () => Promise<void>) => Promise<void>)[];
}

/**
 * s3rver 4 signs a path-style bucket request (`/bucket/`, as SDK v3 sends ListObjectsV2, DeleteObjects, HeadBucket)
 * as `/bucket`, so every such request fails with SignatureDoesNotMatch. It takes the canonical URI from
 * `/bucket` + mountPath for virtual-host requests; this marks `/bucket/` requests so, making that `/bucket/`, what
 * the SDK signed (and AWS checks). Inserted after s3rver's vhost middleware, before its router.
 */
function fixBucketPathSigning(s3rver: S3rverInstance): void {
  s3rver.middleware.splice(s3rver.middleware.length - 1, 0, (ctx, next) => {
    if (!ctx.state.vhost && /^\/[^/]+\/$/.test(ctx.path)) {
      ctx.state.vhost = true;
      ctx.mountPath = '/';
    }
    return next();
  });
}

export type S3Fault = 'none' | '500' | '503' | 'slow-down' | 'unreachable';

export interface ProxiedRequest {
  method: string;
  url: string;
}

export interface SignedS3Server {
  /** Settings whose endpoint is the fault-injecting proxy; credentials S3RVER/S3RVER. */
  settings: S3StoreSettings;
  /** s3rver's folder. */
  dir: string;
  /**
   * The next `count` requests (default: all, until `fault('none')`) that `only` matches (default: any) get `kind`:
   * an S3 XML error response, or for 'unreachable' a reset connection.
   */
  fault(kind: S3Fault, count?: number, only?: (request: ProxiedRequest) => boolean): void;
  /** Requests the proxy has seen, faulted ones included. */
  readonly requests: number;
  /** Every request the proxy has seen, in order. */
  readonly requestLog: readonly ProxiedRequest[];
  close(): Promise<void>;
}

const FAULT_RESPONSES: Record<Exclude<S3Fault, 'none' | 'unreachable'>, { status: number; code: string; message: string }> = {
  '500': { status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' },
  '503': { status: 503, code: 'ServiceUnavailable', message: 'Service is unable to handle request.' },
  'slow-down': { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' },
};

function xmlError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>proxy</RequestId></Error>`);
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startSignedS3Server(options: { bucket?: string } = {}): Promise<SignedS3Server> {
  const bucket = options.bucket ?? 'invorto-artifacts';
  const dir = mkdtempSync(join(tmpdir(), 'invorto-s3rver-'));
  const s3rver: S3rverInstance = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  fixBucketPathSigning(s3rver);
  const { port: s3rverPort } = await s3rver.run();
  const upstreamAgent = new Agent({ keepAlive: true });
  const lifecycles = new Map<string, Buffer>();
  const requestLog: ProxiedRequest[] = [];
  let fault: { kind: S3Fault; remaining: number; only?: (request: ProxiedRequest) => boolean } = { kind: 'none', remaining: 0 };
  const uploadsDir = (name: string) => join(dir, name, '._S3rver_uploads');

  /** The S3 features s3rver lacks (see the header); true when answered here. */
  async function answeredHere(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const [name = '', ...keyParts] = url.pathname.split('/').filter(Boolean);
    if (keyParts.length === 0 && url.searchParams.has('lifecycle')) {
      if (req.method === 'PUT') {
        lifecycles.set(name, await bodyOf(req));
        res.writeHead(200).end();
      } else if (req.method === 'DELETE') {
        lifecycles.delete(name);
        res.writeHead(204).end();
      } else if (lifecycles.has(name)) {
        res.writeHead(200, { 'content-type': 'application/xml' }).end(lifecycles.get(name));
      } else {
        xmlError(res, 404, 'NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist');
      }
      return true;
    }
    if (keyParts.length === 0 && req.method === 'GET' && url.searchParams.has('uploads')) {
      const ids = await readdir(uploadsDir(name)).catch(() => [] as string[]);
      const uploads = await Promise.all(ids.map(async (id) => {
        const key = await readFile(join(uploadsDir(name), id, 'key'), 'utf8').catch(() => '');
        return `<Upload><Key>${key}</Key><UploadId>${id}</UploadId><Initiated>${new Date().toISOString()}</Initiated></Upload>`;
      }));
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult><Bucket>${name}</Bucket><IsTruncated>false</IsTruncated>${uploads.join('')}</ListMultipartUploadsResult>`);
      return true;
    }
    const uploadId = url.searchParams.get('uploadId');
    if (keyParts.length > 0 && req.method === 'DELETE' && uploadId) {
      await bodyOf(req);
      const uploadDir = join(uploadsDir(name), uploadId.replace(/[/\\.]/g, ''));
      const exists = await readdir(uploadDir).then(() => true, () => false);
      await rm(uploadDir, { recursive: true, force: true });
      if (exists) res.writeHead(204).end();
      else xmlError(res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
      return true;
    }
    return false;
  }

  function forward(req: IncomingMessage, res: ServerResponse): void {
    // The Host header goes through as the client sent (and signed) it; only the socket points at s3rver.
    const upstream = request({ host: '127.0.0.1', port: s3rverPort, method: req.method, path: req.url, headers: req.headers, agent: upstreamAgent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', () => res.destroy());
    req.on('error', () => upstream.destroy());
    req.pipe(upstream);
  }

  const proxy = createServer((req, res) => {
    const seen = { method: req.method ?? 'GET', url: req.url ?? '/' };
    requestLog.push(seen);
    if (fault.kind !== 'none' && fault.remaining > 0 && (!fault.only || fault.only(seen))) {
      fault.remaining--;
      if (fault.kind === 'unreachable') {
        req.socket.destroy();
        return;
      }
      const answer = FAULT_RESPONSES[fault.kind];
      // Read the body first, as S3 does, so the client sees the error response rather than a broken pipe.
      req.resume();
      req.on('end', () => xmlError(res, answer.status, answer.code, answer.message));
      return;
    }
    answeredHere(req, res).then((done) => { if (!done) forward(req, res); }, () => res.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;

  return {
    dir,
    settings: { bucket, endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    fault(kind, count = Number.POSITIVE_INFINITY, only) {
      fault = { kind, remaining: kind === 'none' ? 0 : count, only };
    },
    get requests() {
      return requestLog.length;
    },
    requestLog,
    async close() {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      upstreamAgent.destroy();
      await s3rver.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
