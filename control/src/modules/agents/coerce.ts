// The app's Ajv does not coerce (bodies must be typed JSON), so "?limit=10" and "/versions/2" would fail an integer
// schema. This preValidation hook turns numeric and boolean strings of the querystring and path into numbers and
// booleans where the route's schema says so; anything else is left for validation to refuse with its path.
// (A per-part validator compiler in app.ts would do this for every module; until then the agents and numbers use it.)
import type { FastifyRequest } from 'fastify';

type Properties = Record<string, { type?: string }>;

function coerce(values: Record<string, unknown> | undefined, properties: Properties | undefined): void {
  if (!values || !properties) return;
  for (const [key, schema] of Object.entries(properties)) {
    const value = values[key];
    if (typeof value !== 'string') continue;
    if ((schema.type === 'integer' || schema.type === 'number') && /^-?\d+(\.\d+)?$/.test(value)) values[key] = Number(value);
    else if (schema.type === 'boolean' && (value === 'true' || value === 'false')) values[key] = value === 'true';
  }
}

export async function coerceScalars(request: FastifyRequest): Promise<void> {
  const schema = request.routeOptions.schema as { querystring?: { properties?: Properties }; params?: { properties?: Properties } } | undefined;
  coerce(request.query as Record<string, unknown>, schema?.querystring?.properties);
  coerce(request.params as Record<string, unknown>, schema?.params?.properties);
}
