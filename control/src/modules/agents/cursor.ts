// Opaque cursors for keyset pagination: the sort key of the last item of a page, as base64url JSON. A cursor that
// does not decode is a 400 on `cursor`, not an empty page.
import { ApiError } from '../../plugins/errors.ts';

export const encodeCursor = (key: unknown[]) => Buffer.from(JSON.stringify(key)).toString('base64url');

export function decodeCursor<T extends unknown[]>(cursor: string | undefined, check: (key: unknown[]) => key is T): T | null {
  if (!cursor) return null;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && check(key)) return key;
  } catch { /* answered below */ }
  throw new ApiError(400, 'validation', 'querystring $.cursor: not a cursor this list gave out', '$.cursor');
}
