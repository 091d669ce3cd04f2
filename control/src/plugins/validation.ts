// Request validation: two Ajv instances over the same shared schemas. Bodies are typed JSON and are taken as sent
// (a "5" is not a number, an unknown field is an error, never silently dropped); the querystring and path are text
// by nature, so "?limit=10" and "/versions/2" are converted where the route's schema says a number or a boolean.
import { Ajv, type AnySchema } from 'ajv';
import addFormats from 'ajv-formats';

function ajvFor(coerceTypes: false | 'array', shared: Record<string, unknown>): Ajv {
  const ajv = new Ajv({ coerceTypes, removeAdditional: false, useDefaults: true, allErrors: false, strict: false });
  (addFormats as unknown as (ajv: Ajv) => void)(ajv);
  for (const schema of Object.values(shared)) ajv.addSchema(schema as AnySchema);
  return ajv;
}

/** Fastify's validator factory: called with the schemas added by addSchema, returns the per-route compiler. */
export function buildValidator(externalSchemas: Record<string, unknown> = {}) {
  const strict = ajvFor(false, externalSchemas);
  const converting = ajvFor('array', externalSchemas);
  return ({ schema, httpPart }: { schema: AnySchema; httpPart?: string }) => (httpPart === 'body' ? strict : converting).compile(schema);
}
