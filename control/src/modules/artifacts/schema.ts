// Artifacts as the API shows them: a call's list (each with an expiring URL), the parameters that name one, and
// the binary answers (whole, part, or the range refused) as OpenAPI should describe them.
import { Type, type Static } from 'typebox';

export const ARTIFACT_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';
export const MAX_URL_EXPIRY_S = 3600;
export const DEFAULT_URL_EXPIRY_S = 300;

export const ArtifactItem = Type.Object({
  name: Type.String({ description: 'recording.wav, transcript.json, transcript.txt, events.jsonl, history.json' }),
  size: Type.Integer({ description: 'bytes' }),
  contentType: Type.String(),
  lastModified: Type.String({ format: 'date-time' }),
  url: Type.String({ description: 'GET it without credentials until expiresAt (S3 presigned, or control-signed for local disk); Range works on it' }),
}, { $id: 'Artifact', additionalProperties: false });

export const ArtifactList = Type.Object({
  callId: Type.String(),
  expiresAt: Type.String({ format: 'date-time', description: 'when the URLs stop working' }),
  artifacts: Type.Array(Type.Ref('Artifact')),
}, { additionalProperties: false });

export const ArtifactListQuery = Type.Object({
  expiresInS: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_URL_EXPIRY_S, default: DEFAULT_URL_EXPIRY_S, description: 'how long the URLs work, seconds' })),
}, { additionalProperties: false });
export type ArtifactListQuery = Static<typeof ArtifactListQuery>;

export const CallArtifactParams = Type.Object({
  id: Type.String({ maxLength: 200 }),
  name: Type.String({ pattern: ARTIFACT_NAME_PATTERN }),
}, { additionalProperties: false });

/** The parts of an artifact key (tenant/yyyy/mm/dd/callId/name) in a local signed URL's path. */
export const SignedPathParams = Type.Object({
  tenant: Type.String({ maxLength: 128 }), yyyy: Type.String({ pattern: '^\\d{4}$' }), mm: Type.String({ pattern: '^\\d{2}$' }),
  dd: Type.String({ pattern: '^\\d{2}$' }), callId: Type.String({ maxLength: 128 }), name: Type.String({ pattern: ARTIFACT_NAME_PATTERN }),
}, { additionalProperties: false });

/** Optional here so a missing part is a refused signature (403), like a wrong one, not a validation error. */
export const SignedQuery = Type.Object({
  expires: Type.Optional(Type.String({ maxLength: 20, description: 'unix seconds the URL expires at' })),
  signature: Type.Optional(Type.String({ maxLength: 128, description: 'HMAC-SHA256 of the key and expiry, hex' })),
}, { additionalProperties: false });

export const CallDeleted = Type.Object({
  id: Type.String(),
  artifactsDeleted: Type.Integer({ description: 'objects removed from the artifact store' }),
}, { additionalProperties: false });

const binary = (description: string, contentType: string) => ({ description, content: { [contentType]: { schema: { type: 'string', format: 'binary' } } } });

/** What a streamed artifact answers: the whole object, a part (Range), or 416 with `Content-Range: bytes *\/size`. */
export const binaryResponses = (what: string, contentType = 'application/octet-stream') => ({
  200: binary(`${what}, whole (Accept-Ranges: bytes)`, contentType),
  206: binary(`the part of ${what} the Range header asked (Content-Range: bytes start-end/size)`, contentType),
  416: Type.Ref('Error'),
  503: Type.Ref('Error'),
});
