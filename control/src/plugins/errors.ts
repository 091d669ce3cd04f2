// One error shape for every route: `{ error, code, path? }`. Validation problems name the JSON path of the field
// (`$.turn.eagerness`), so a client can show the message beside it; internals never leak in a 500.
import type { FastifyError, FastifyInstance } from 'fastify';
import { Type } from 'typebox';

export class ApiError extends Error {
  constructor(readonly statusCode: number, readonly code: string, message: string, readonly path?: string) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);
export const forbidden = (message: string) => new ApiError(403, 'forbidden', message);
export const unauthorized = (message: string) => new ApiError(401, 'unauthorized', message);
export const conflict = (message: string) => new ApiError(409, 'conflict', message);

/** The documented error body, used in every route's response schemas. */
export const ErrorBody = Type.Object({
  error: Type.String({ description: 'what went wrong, for a person' }),
  code: Type.String({ description: 'stable machine-readable code, e.g. validation, not_found, forbidden' }),
  path: Type.Optional(Type.String({ description: 'JSON path of the offending field, e.g. $.turn.eagerness' })),
}, { $id: 'Error', additionalProperties: false });

/** Error responses every authenticated route may give, for its schema. */
export const commonErrors = {
  400: Type.Ref('Error'), 401: Type.Ref('Error'), 403: Type.Ref('Error'), 404: Type.Ref('Error'), 429: Type.Ref('Error'),
};

interface AjvError { instancePath?: string; keyword?: string; message?: string; params?: Record<string, unknown> }

/** `/body/turn/eagerness` → `$.turn.eagerness`; an unknown or missing property is named in the path too. */
export function jsonPathOf(error: AjvError): string {
  const parts = (error.instancePath ?? '').split('/').filter(Boolean).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const extra = error.params?.additionalProperty ?? error.params?.missingProperty;
  if (typeof extra === 'string') parts.push(extra);
  return '$' + parts.map((p) => (/^\d+$/.test(p) ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`)).join('');
}

function describe(error: AjvError): string {
  if (error.keyword === 'additionalProperties') return `unknown field "${String(error.params?.additionalProperty)}"`;
  if (error.keyword === 'required') return `"${String(error.params?.missingProperty)}" is required`;
  return error.message ?? 'is invalid';
}

// Any server, logger and type provider: both the public and the internal app use it.
export function registerErrorHandling(app: FastifyInstance<any, any, any, any, any>): void {
  app.setErrorHandler((error: FastifyError & { path?: string }, request, reply) => {
    if (error instanceof ApiError) {
      return reply.status(error.statusCode).send({ error: error.message, code: error.code, ...(error.path ? { path: error.path } : {}) });
    }
    if (error.validation) {
      const first = error.validation[0] as AjvError;
      const path = jsonPathOf(first);
      const where = error.validationContext && error.validationContext !== 'body' ? `${error.validationContext} ` : '';
      return reply.status(400).send({ error: `${where}${path}: ${describe(first)}`, code: 'validation', path });
    }
    const status = error.statusCode ?? 500;
    if (status === 413) return reply.status(413).send({ error: 'request body is too large', code: 'too_large' });
    if (status === 429) return reply.status(429).send({ error: error.message || 'too many requests', code: 'rate_limited' });
    if (status >= 400 && status < 500) return reply.status(status).send({ error: error.message, code: error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? 'bad_json' : 'bad_request' });
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send({ error: 'internal error (logged on the server)', code: 'internal' });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}`, code: 'not_found' });
  });
}
