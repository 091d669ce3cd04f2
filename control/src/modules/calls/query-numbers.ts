// Control validates without type coercion (a body's "5" is not 5), but a query string has only strings: this hook
// turns the query fields a schema declares as numbers into numbers before validation, and leaves anything that is
// not a number for validation to refuse with its JSON path.
import type { FastifyRequest } from 'fastify';

export function numericQueryFields(schema: { properties: object }) {
  const numeric = Object.entries(schema.properties as Record<string, { type?: unknown }>).filter(([, s]) => s.type === 'number' || s.type === 'integer').map(([name]) => name);
  return async (request: FastifyRequest): Promise<void> => {
    const query = request.query as Record<string, unknown>;
    for (const name of numeric) {
      const value = query[name];
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) query[name] = Number(value);
    }
  };
}
