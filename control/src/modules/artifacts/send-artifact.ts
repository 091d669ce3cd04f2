// Streams one stored object as an HTTP answer: 200 whole, 206 for a Range, 416 past its end. The bytes flow from
// the store (a file, or S3's response body) to the socket without being held in memory, so a long recording
// costs control a buffer, not its size; a client that hangs up ends the read.
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { ArtifactStoreError, type ArtifactBody, type ArtifactStore } from '@invorto/artifacts/artifact-store.ts';
import { ApiError, notFound } from '../../plugins/errors.ts';
import { resolveRange } from './byte-range.ts';

const TYPES_BY_SUFFIX: Record<string, string> = {
  '.wav': 'audio/wav', '.json': 'application/json', '.jsonl': 'application/x-ndjson', '.txt': 'text/plain; charset=utf-8',
};

/** The stored content type, else one from the name (a file copied in by hand has no metadata). */
export function contentTypeOf(key: string, stored: string | undefined): string {
  if (stored && stored !== 'application/octet-stream') return stored;
  const suffix = /\.[a-z]+$/.exec(key)?.[0] ?? '';
  return TYPES_BY_SUFFIX[suffix] ?? 'application/octet-stream';
}

/** A store failure as an API answer: unreachable or misconfigured stores are 503, so a client retries later. */
export function storeFailure(error: unknown): ApiError {
  if (error instanceof ArtifactStoreError) return new ApiError(503, 'artifacts_unavailable', `the artifact store cannot answer now: ${error.message}`);
  return error as ApiError;
}

function rangeRefused(reply: FastifyReply, key: string, size: number): FastifyReply {
  return reply.code(416).header('content-range', `bytes */${size}`)
    .send({ error: `the range asked is outside ${key.split('/').pop()} (${size} bytes)`, code: 'range_not_satisfiable' });
}

function describeHeaders(reply: FastifyReply, key: string, contentType: string | undefined, part: { start: number; end: number; size: number } | null, size: number): void {
  const length = part ? part.end - part.start + 1 : size;
  reply.header('accept-ranges', 'bytes').header('content-type', contentTypeOf(key, contentType)).header('content-length', length)
    .header('content-disposition', `inline; filename="${key.split('/').pop()}"`);
  if (part) reply.code(206).header('content-range', `bytes ${part.start}-${part.end}/${part.size}`);
}

/** HEAD: the headers a GET would give, from the object's metadata alone (no read is opened, on disk or on S3). */
async function sendHead(reply: FastifyReply, store: ArtifactStore, key: string, rangeHeader: string | undefined, what: string): Promise<FastifyReply> {
  const info = await store.head(key).catch((error: unknown) => { throw storeFailure(error); });
  if (!info) throw notFound(what);
  const range = resolveRange(rangeHeader, info.size);
  if (range.kind === 'unsatisfiable') return reply.code(416).header('content-range', `bytes */${info.size}`).send();
  describeHeaders(reply, key, info.meta.contentType, range.kind === 'part' ? { ...range, size: info.size } : null, info.size);
  // An empty stream, not an empty payload: Fastify would set Content-Length 0 for the latter.
  return reply.send(Readable.from([]));
}

export async function sendArtifact(reply: FastifyReply, store: ArtifactStore, key: string, rangeHeader: string | undefined, what: string): Promise<FastifyReply> {
  if (reply.request.method === 'HEAD') return sendHead(reply, store, key, rangeHeader, what);
  let body: ArtifactBody | null;
  let partial = false;
  try {
    if (!rangeHeader) {
      body = await store.get(key);
    } else {
      // The size decides a suffix range and whether the range is satisfiable, so it is read first.
      const info = await store.head(key);
      if (!info) throw notFound(what);
      const range = resolveRange(rangeHeader, info.size);
      if (range.kind === 'unsatisfiable') return rangeRefused(reply, key, info.size);
      partial = range.kind === 'part';
      body = await store.get(key, range.kind === 'part' ? { start: range.start, end: range.end } : undefined);
    }
  } catch (error) {
    if (error instanceof ArtifactStoreError && error.kind === 'range') {
      const info = await store.head(key).catch(() => null);
      return rangeRefused(reply, key, info?.size ?? 0);
    }
    throw storeFailure(error);
  }
  if (!body) throw notFound(what);
  describeHeaders(reply, key, body.meta.contentType, partial ? body : null, body.size);
  return reply.send(body.stream);
}
