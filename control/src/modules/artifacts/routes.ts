// A call's artifacts over HTTP: the recording and each artifact streamed with Range support (a player seeks, a cut
// download resumes), the list with expiring URLs, local signed URLs served without credentials (the signature is
// the authority), and DELETE /v1/calls/{id}, which removes the call's artifacts with its record.
import { ARTIFACT_NAMES } from '@invorto/artifacts/artifact-store.ts';
import { verifyLocalSignedUrl } from '@invorto/artifacts/signed-url.ts';
import type { FastifyRequest } from 'fastify';
import type { ControlModule } from '../index.ts';
import { principal } from '../../plugins/auth.ts';
import { commonErrors, forbidden, notFound } from '../../plugins/errors.ts';
import { CallParams } from '../calls/schema.ts';
import {
  ArtifactItem, ArtifactList, ArtifactListQuery, binaryResponses, CallArtifactParams, CallDeleted, DEFAULT_URL_EXPIRY_S, SignedPathParams, SignedQuery,
} from './schema.ts';
import { sendArtifact } from './send-artifact.ts';
import { ArtifactService } from './service.ts';

/** Where this request reached control: local signed URLs are paths, made absolute against it. */
const baseUrlOf = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

export const artifactRoutes: ControlModule = async (app, { ctx }) => {
  app.addSchema(ArtifactItem);
  const { store, urlSecret } = ctx.artifacts;
  const artifacts = new ArtifactService(store, ctx.database.db, ctx.database.dialect, ctx.now);

  app.get('/v1/calls/:id/recording', {
    onRequest: ctx.auth.requireScope('calls:read'),
    schema: {
      tags: ['calls'], summary: "The call's recording (WAV), streamed; Range requests seek and resume (206, 416 past the end)",
      params: CallParams, response: { ...commonErrors, ...binaryResponses("the call's recording", 'audio/wav') },
    },
  }, async (request, reply) => {
    const key = await artifacts.keyOf(principal(request).tenantId, request.params.id, ARTIFACT_NAMES.recording);
    return sendArtifact(reply, store, key, request.headers.range, `recording of call "${request.params.id}"`);
  });

  app.get('/v1/calls/:id/artifacts', {
    onRequest: ctx.auth.requireScope('calls:read'),
    schema: {
      tags: ['calls'], summary: "The call's artifacts (recording, transcripts, event log, history), each with a URL that works without credentials for a short time",
      params: CallParams, querystring: ArtifactListQuery, response: { 200: ArtifactList, ...commonErrors, 503: { $ref: 'Error' } },
    },
  }, async (request) => {
    const listed = await artifacts.list(principal(request).tenantId, request.params.id, request.query.expiresInS ?? DEFAULT_URL_EXPIRY_S, baseUrlOf(request));
    return { callId: request.params.id, ...listed };
  });

  app.get('/v1/calls/:id/artifacts/:name', {
    onRequest: ctx.auth.requireScope('calls:read'),
    schema: {
      tags: ['calls'], summary: 'One artifact of the call, streamed; Range requests seek and resume',
      params: CallArtifactParams, response: { ...commonErrors, ...binaryResponses('the artifact') },
    },
  }, async (request, reply) => {
    const key = await artifacts.keyOf(principal(request).tenantId, request.params.id, request.params.name);
    return sendArtifact(reply, store, key, request.headers.range, `artifact "${request.params.name}" of call "${request.params.id}"`);
  });

  app.get('/artifacts/signed/:tenant/:yyyy/:mm/:dd/:callId/:name', {
    schema: {
      tags: ['calls'], summary: 'An artifact on local disk by the signed URL its list gave (no credentials: the signature and expiry are checked; 403 when tampered or expired)',
      security: [], params: SignedPathParams, querystring: SignedQuery,
      response: { 400: { $ref: 'Error' }, 403: { $ref: 'Error' }, 404: { $ref: 'Error' }, 429: { $ref: 'Error' }, ...binaryResponses('the artifact') },
    },
  }, async (request, reply) => {
    // S3 presigns its own URLs; these exist only for the local store.
    if (store.kind !== 'local') throw notFound('signed artifact URLs of local disk (artifacts are on S3)');
    const { tenant, yyyy, mm, dd, callId, name } = request.params;
    const key = `${tenant}/${yyyy}/${mm}/${dd}/${callId}/${name}`;
    const check = verifyLocalSignedUrl(key, request.query, urlSecret, Math.floor(ctx.now() / 1000));
    if (!check.ok) throw forbidden(check.error.message);
    return sendArtifact(reply, store, key, request.headers.range, `artifact ${key}`);
  });

  app.delete('/v1/calls/:id', {
    onRequest: ctx.auth.requireScope('calls:write'),
    schema: {
      tags: ['calls'], summary: 'Delete a call: its recording and other artifacts, its record and timeline (billing records stay)',
      params: CallParams, response: { 200: CallDeleted, ...commonErrors, 503: { $ref: 'Error' } },
    },
  }, async (request) => {
    const who = principal(request);
    const { artifactsDeleted } = await artifacts.deleteCall(who.tenantId, request.params.id);
    ctx.log.info({ callId: request.params.id, tenantId: who.tenantId, artifactsDeleted }, 'call deleted with its artifacts');
    return { id: request.params.id, artifactsDeleted };
  });
};

